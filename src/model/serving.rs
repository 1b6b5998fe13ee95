//! The request path: the load balancer picks a target, the instance serves the
//! request with one of its workers or queues it (503 beyond the queue limit), and the
//! response comes back, or the load balancer's idle timeout answers 504 first while
//! the instance keeps working (aws-facts.md 4.6).
//!
//! `Serving` owns the load balancer and the service-time draws; the instances are the
//! fleet's and the counting is the metrics'. It decides what happens to a request;
//! what that does to the group (a drained instance stopping) is the caller's.

use super::balancer::LoadBalancer;
use super::config::Config;
use super::dist::DurationSampler;
use super::event::Event;
use super::fleet::Fleet;
use super::instance::{InstanceState, Waiting};
use super::metrics::Metrics;
use crate::engine::{EventQueue, RngStreams, SimDuration, SimRng, SimTime};

pub(super) struct Serving {
    pub balancer: LoadBalancer,
    service: DurationSampler,
    service_rng: SimRng,
    /// The load balancer's idle timeout: a later response is a 504.
    timeout: SimDuration,
    /// Waiting requests per instance before it answers 503 (`None`: unlimited).
    queue_limit: Option<u32>,
}

impl Serving {
    pub(super) fn new(config: &Config, streams: &RngStreams) -> Self {
        Serving {
            balancer: LoadBalancer::new(
                config.load_balancer.algorithm,
                config.load_balancer.slow_start,
                streams.stream("routing"),
            ),
            service: DurationSampler::new(&config.service.time),
            service_rng: streams.stream("service"),
            timeout: config.service.timeout,
            queue_limit: config.service.queue_limit,
        }
    }

    /// A request reaches the load balancer now.
    #[inline]
    pub(super) fn arrive(
        &mut self,
        fleet: &mut Fleet,
        metrics: &mut Metrics,
        queue: &mut EventQueue<Event>,
        now: SimTime,
    ) {
        metrics.arrived();
        // Drawn at arrival, whatever happens to the request, so that strategies
        // compared under one seed give request i the same service time.
        let service_nanos = self.service.sample(&mut self.service_rng);
        let Some(id) = self.balancer.pick(&fleet.instances, now) else {
            return metrics.rejected();
        };
        let instance = &mut fleet.instances[id as usize];
        if instance.failed {
            // A failed target does not answer: the load balancer returns a 502.
            metrics.interrupted(1);
            return;
        }
        if instance.busy < instance.workers {
            instance.set_busy(instance.busy + 1, now);
            metrics.queueing.in_system_changed(now, 1);
            metrics.queueing.service_started(0);
            self.start_service(queue, now, id, now, service_nanos, false);
        } else if self
            .queue_limit
            .is_none_or(|l| instance.queue.len() < l as usize)
        {
            instance.queue.push_back(Waiting {
                arrived_at: now,
                service_nanos,
                timed_out: false,
            });
            metrics.queueing.in_system_changed(now, 1);
            if !instance.queue_timeout_pending {
                // Every other waiting request is already marked: this one is the
                // oldest unmarked, and its timeout is the next to watch.
                instance.queue_timeout_pending = true;
                queue.schedule(now + self.timeout, Event::QueueTimeoutDue { instance: id });
            }
        } else {
            metrics.rejected();
        }
    }

    /// Schedules the response of a request whose service starts now. If it will come
    /// after the load balancer's idle timeout, the 504 is scheduled too: the client is
    /// answered at the timeout while the instance keeps working (aws-facts.md 4.6).
    /// Only such requests cost an extra event.
    #[inline]
    fn start_service(
        &self,
        queue: &mut EventQueue<Event>,
        now: SimTime,
        id: u32,
        arrived_at: SimTime,
        service_nanos: u64,
        timed_out: bool,
    ) {
        let done = now + SimDuration(service_nanos);
        let deadline = arrived_at + self.timeout;
        if !timed_out && done > deadline {
            queue.schedule(deadline, Event::RequestTimedOut { instance: id });
        }
        queue.schedule(
            done,
            Event::RequestServed {
                instance: id,
                arrived_at,
                timed_out,
            },
        );
    }

    /// A response is ready: the worker takes the next waiting request, or frees up.
    /// Returns whether the instance, draining for scale-in, has just become idle and
    /// can stop.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn served(
        &mut self,
        fleet: &mut Fleet,
        metrics: &mut Metrics,
        queue: &mut EventQueue<Event>,
        now: SimTime,
        id: u32,
        arrived_at: SimTime,
        marked: bool,
    ) -> bool {
        let instance = &mut fleet.instances[id as usize];
        if instance.state == InstanceState::Terminated || instance.failed {
            return false; // already counted as interrupted when it stopped or failed
        }
        metrics.queueing.in_system_changed(now, -1);
        if let Some(next) = instance.queue.pop_front() {
            if next.timed_out {
                instance.queue_timed_out -= 1;
            }
            metrics
                .queueing
                .service_started(now.since(next.arrived_at).as_nanos());
            self.start_service(
                queue,
                now,
                id,
                next.arrived_at,
                next.service_nanos,
                next.timed_out,
            );
        } else {
            instance.set_busy(instance.busy - 1, now);
        }
        // A response after the idle timeout was answered 504 at the timeout, in the
        // queue or by `RequestTimedOut`; the instance has now finished the work.
        let latency = now.since(arrived_at).0;
        let timed_out = marked || latency > self.timeout.0;
        if timed_out {
            instance.timed_out_outstanding -= 1;
        } else {
            metrics.completed(latency);
        }
        // An instance drained for scale-in stops as soon as it is idle; one with an
        // interruption notice keeps running (and billing) until EC2 stops it.
        instance.state == InstanceState::Draining
            && instance.outstanding() == 0
            && !instance.interruption_noticed
    }

    /// A request in service passed the idle timeout: answered 504 now. Requests cut
    /// off before (the instance stopped or failed) were counted as interrupted then.
    pub(super) fn timed_out(fleet: &mut Fleet, metrics: &mut Metrics, id: u32) {
        let instance = &mut fleet.instances[id as usize];
        if instance.state == InstanceState::Terminated || instance.failed {
            return;
        }
        instance.timed_out_outstanding += 1;
        metrics.timed_out(1);
    }

    /// Marks every waiting request whose idle timeout has passed as answered 504, then
    /// watches the next one.
    pub(super) fn queue_timeout_due(
        &self,
        fleet: &mut Fleet,
        metrics: &mut Metrics,
        queue: &mut EventQueue<Event>,
        now: SimTime,
        id: u32,
    ) {
        let instance = &mut fleet.instances[id as usize];
        if instance.state == InstanceState::Terminated || instance.failed {
            return;
        }
        let mut marked = instance.queue_timed_out as usize;
        let first = marked;
        while let Some(waiting) = instance.queue.get_mut(marked) {
            if waiting.arrived_at + self.timeout > now {
                break;
            }
            waiting.timed_out = true;
            marked += 1;
        }
        let newly = (marked - first) as u32;
        instance.queue_timed_out += newly;
        instance.timed_out_outstanding += newly;
        match instance.queue.get(marked) {
            Some(next) => {
                let at = next.arrived_at + self.timeout;
                queue.schedule(at, Event::QueueTimeoutDue { instance: id });
            }
            None => instance.queue_timeout_pending = false,
        }
        metrics.timed_out(u64::from(newly));
    }

    /// Every request still on the instance is lost: counted as interrupted (those
    /// already answered 504 are not lost again); all leave the system.
    pub(super) fn cut_off(fleet: &mut Fleet, metrics: &mut Metrics, now: SimTime, id: u32) {
        let instance = &mut fleet.instances[id as usize];
        metrics.interrupted(u64::from(instance.unanswered()));
        metrics
            .queueing
            .in_system_changed(now, -i64::from(instance.outstanding()));
        instance.set_busy(0, now);
        instance.queue = Default::default();
        instance.timed_out_outstanding = 0;
        instance.queue_timed_out = 0;
    }
}
