//! The request path: the load balancer picks a target, the instance serves the
//! request with one of its workers or queues it (503 beyond the queue limit), and the
//! response comes back, or the load balancer's idle timeout answers 504 first while
//! the instance keeps working (aws-facts.md 4.6). In a tier that calls others, the
//! request makes its calls after its own service time, holding its worker
//! ([`super::calls`]).
//!
//! `Serving` owns the load balancer, the service-time draws and the requests waiting
//! on calls; the instances are the fleet's and the counting is the metrics'. It
//! decides what happens to a request, and tells the request's caller (another tier)
//! how it ended through the context's outbox; what that does to the group (a drained
//! instance stopping) is the caller's.

use super::balancer::LoadBalancer;
use super::calls::{Answer, Caller, Calls, Handle, Message, Pending};
use super::config::{Routing, TierConfig};
use super::credits::Credits;
use super::deployment::{Share, SplitCounts};
use super::dist::DurationSampler;
use super::event::Event;
use super::fleet::Fleet;
use super::instance::{Instance, InstanceState, Waiting};
use super::metrics::Metrics;
use super::sim::Ctx;
use crate::engine::{RngStreams, SimDuration, SimRng, SimTime};
use rand::Rng;
use std::collections::BTreeSet;

pub(super) struct Serving {
    pub balancer: LoadBalancer,
    /// The new version's target group while a traffic-splitting or blue/green
    /// deployment runs (blue/green: the second environment's load balancer), its
    /// members, and what it is made from.
    second: Option<LoadBalancer>,
    second_members: BTreeSet<u32>,
    second_setup: (Routing, SimDuration, RngStreams),
    /// How the requests are split between the old version (`balancer`) and the new
    /// one, while a deployment splits them; draws from a stream of its own, so that
    /// a run without a split draws what it always did.
    pub split: Option<Split>,
    split_rng: SimRng,
    service: DurationSampler,
    service_rng: SimRng,
    /// The load balancer's idle timeout: a later response is a 504.
    timeout: SimDuration,
    /// Waiting requests per instance before it answers 503 (`None`: unlimited).
    queue_limit: Option<u32>,
    /// The calls each request makes, and the requests waiting on them.
    pub calls: Calls,
    /// The worker tiers a completed request sends a message to, with the
    /// probability of each (`[[tiers.<name>.sends]]`), and their draws.
    sends: Vec<(u8, f64)>,
    sends_rng: SimRng,
}

/// A deployment's split of the traffic (`deployment::Share`) in force.
pub(super) struct Split {
    /// The deployment's index in its tier.
    pub deployment: usize,
    pub share: Share,
    /// The old environment is gone (blue/green): requests still sent there are lost.
    pub old_gone: bool,
    /// The new version fails (a failing canary): it answers every request 500.
    pub new_fails: bool,
    pub counts: SplitCounts,
}

/// Whether a request found dead instance: it was counted as interrupted when the
/// instance stopped or failed.
fn is_dead(state: InstanceState, failed: bool) -> bool {
    state == InstanceState::Terminated || failed
}

impl Serving {
    pub(super) fn new(config: &TierConfig, tier: u8, streams: &RngStreams) -> Self {
        Serving {
            balancer: LoadBalancer::new(
                config.load_balancer.algorithm,
                config.load_balancer.slow_start,
                streams.stream("routing"),
            ),
            second: None,
            second_members: BTreeSet::new(),
            second_setup: (
                config.load_balancer.algorithm,
                config.load_balancer.slow_start,
                streams.within("deployment"),
            ),
            split: None,
            split_rng: streams.stream("split"),
            service: DurationSampler::new(&config.service.time),
            service_rng: streams.stream("service"),
            timeout: config.service.timeout,
            queue_limit: config.service.queue_limit,
            calls: Calls::for_tier(tier, &config.calls),
            sends: config
                .sends
                .iter()
                .map(|s| (s.tier as u8, s.probability))
                .collect(),
            sends_rng: streams.stream("sends"),
        }
    }

    /// A request reaches the load balancer now, from the client or from `caller`.
    #[inline(always)]
    pub(super) fn arrive(
        &mut self,
        fleet: &mut Fleet,
        metrics: &mut Metrics,
        ctx: &mut Ctx<'_>,
        caller: Caller,
    ) {
        let now = ctx.now;
        metrics.arrived();
        // Drawn at arrival, whatever happens to the request, so that strategies
        // compared under one seed give request i the same service time.
        let service_nanos = self.service.sample(&mut self.service_rng);
        let picked = match self.split.as_mut() {
            None => self.balancer.pick(&fleet.instances, now),
            Some(split) => {
                split.counts.routed += 1;
                let to_new = self.split_rng.random::<f64>() < split.share.new_at(now);
                match (to_new, self.second.as_mut()) {
                    (true, Some(_)) if split.new_fails => {
                        // A failing new version answers at once with an error.
                        split.counts.to_new += 1;
                        metrics.failed();
                        return answer(ctx, caller, Answer::Failed);
                    }
                    (true, Some(second)) => {
                        split.counts.to_new += 1;
                        second.pick(&fleet.instances, now)
                    }
                    (true, None) => {
                        // The new version's group is the tier's own since the old one
                        // was retired.
                        split.counts.to_new += 1;
                        self.balancer.pick(&fleet.instances, now)
                    }
                    (false, _) if split.old_gone => {
                        // The client resolved the old environment's name, which no
                        // longer exists: nothing answers (counted with the 503s).
                        split.counts.lost += 1;
                        metrics.rejected();
                        return answer(ctx, caller, Answer::Rejected);
                    }
                    (false, _) => self.balancer.pick(&fleet.instances, now),
                }
            }
        };
        let Some(id) = picked else {
            metrics.rejected();
            return answer(ctx, caller, Answer::Rejected);
        };
        self.admit(fleet, metrics, ctx, caller, id, service_nanos);
    }

    /// `id` joins the new version's target group, which is created if there is none.
    pub(super) fn join_new(&mut self, id: u32) {
        if self.second.is_none() {
            let (algorithm, slow_start, streams) = &self.second_setup;
            self.second = Some(LoadBalancer::new(
                *algorithm,
                *slow_start,
                streams.stream("routing"),
            ));
        }
        self.second_members.insert(id);
    }

    /// Whether `id` is in the new version's target group.
    pub(super) fn is_new(&self, id: u32) -> bool {
        self.second_members.contains(&id)
    }

    /// The new version's target group becomes the tier's own (its old targets are
    /// gone).
    pub(super) fn promote_new(&mut self) {
        if let Some(second) = self.second.take() {
            self.balancer = second;
        }
        self.second_members.clear();
    }

    /// The new version's target group is given up (a failed deployment): its
    /// targets are gone, and the tier's own group serves alone.
    pub(super) fn drop_new(&mut self) {
        self.second = None;
        self.second_members.clear();
    }

    /// `id` passed its health checks: its target group routes to it.
    pub(super) fn register(&mut self, id: u32) {
        match self.second.as_mut() {
            Some(second) if self.second_members.contains(&id) => second.register(id),
            _ => self.balancer.register(id),
        }
    }

    /// `id` leaves its target group.
    pub(super) fn deregister(&mut self, id: u32) {
        self.balancer.deregister(id);
        if let Some(second) = self.second.as_mut() {
            second.deregister(id);
        }
    }

    /// `id` failed its target group's health checks.
    pub(super) fn mark_unhealthy(&mut self, id: u32) {
        match self.second.as_mut() {
            Some(second) if self.second_members.contains(&id) => second.mark_unhealthy(id),
            _ => self.balancer.mark_unhealthy(id),
        }
    }

    /// The healthy targets of both groups, and the requests they were sent since the
    /// last call (`RequestCount`), which starts the count again.
    pub(super) fn take_routed(&mut self) -> (usize, u64) {
        let mut targets = self.balancer.targets().len();
        let mut routed = std::mem::take(&mut self.balancer.routed_in_period);
        if let Some(second) = self.second.as_mut() {
            targets += second.targets().len();
            routed += std::mem::take(&mut second.routed_in_period);
        }
        (targets, routed)
    }

    /// `sqsd` on instance `id` of a worker tier posts a message to the application
    /// there: a request from `caller` (the queue's delivery) that no load balancer
    /// routes. It takes `service_nanos` when its periodic task says so, else the
    /// tier's service time.
    pub(super) fn post(
        &mut self,
        fleet: &mut Fleet,
        metrics: &mut Metrics,
        ctx: &mut Ctx<'_>,
        caller: Caller,
        id: u32,
        service_nanos: Option<u64>,
    ) {
        metrics.arrived();
        let service_nanos =
            service_nanos.unwrap_or_else(|| self.service.sample(&mut self.service_rng));
        self.admit(fleet, metrics, ctx, caller, id, service_nanos);
    }

    /// The request reaches instance `id`: served by a free worker, queued, or
    /// answered 503 beyond the queue limit.
    #[inline(always)]
    fn admit(
        &mut self,
        fleet: &mut Fleet,
        metrics: &mut Metrics,
        ctx: &mut Ctx<'_>,
        caller: Caller,
        id: u32,
        drawn_nanos: u64,
    ) {
        let now = ctx.now;
        let instance = &mut fleet.instances[id as usize];
        // The draw is the same whichever instance the request reaches (common random
        // numbers); how long it takes depends on the instance's type.
        let service_nanos = instance.service_nanos(drawn_nanos);
        if instance.failed {
            // A failed target does not answer: the load balancer returns a 502.
            metrics.interrupted(1);
            return answer(ctx, caller, Answer::Interrupted);
        }
        if instance.busy < instance.workers {
            instance.set_busy(instance.busy + 1, now);
            metrics.queueing.in_system_changed(now, 1);
            metrics.queueing.service_started(0);
            let handle = self.calls.admit(now, caller);
            self.start_service(ctx, instance, now, service_nanos, false, handle);
        } else if self
            .queue_limit
            .is_none_or(|l| instance.queue.len() < l as usize)
        {
            let handle = self.calls.admit(now, caller);
            instance.queue.push_back(Waiting {
                arrived_at: now,
                service_nanos,
                timed_out: false,
                handle,
            });
            metrics.queueing.in_system_changed(now, 1);
            if !instance.queue_timeout_pending {
                // Every other waiting request is already marked: this one is the
                // oldest unmarked, and its timeout is the next to watch.
                instance.queue_timeout_pending = true;
                let due = Event::QueueTimeoutDue {
                    tier: ctx.tier,
                    instance: id,
                };
                ctx.queue.schedule(now + self.timeout, due);
            }
        } else {
            metrics.rejected();
            answer(ctx, caller, Answer::Rejected);
        }
    }

    /// Schedules the end of the service of a request whose service starts now. If it
    /// will come after the load balancer's idle timeout, the 504 is scheduled too: the
    /// client is answered at the timeout while the instance keeps working
    /// (aws-facts.md 4.6). Only such requests cost an extra event.
    #[inline(always)]
    fn start_service(
        &self,
        ctx: &mut Ctx<'_>,
        instance: &mut Instance,
        arrived_at: SimTime,
        service_nanos: u64,
        timed_out: bool,
        handle: Handle,
    ) {
        let id = instance.id;
        if let Some(credits) = &mut instance.credits {
            if credits.throttles() {
                // A standard-mode burstable instance keeps its requests in service
                // (their work stretches while it is throttled: `credits.rs`).
                let job = Credits::job(arrived_at, timed_out, handle);
                credits.start(ctx.now, service_nanos, job);
                return self.credits_changed(ctx, instance);
            }
        }
        let done = ctx.now + SimDuration(service_nanos);
        let deadline = arrived_at + self.timeout;
        let (tier, instance) = (ctx.tier, id);
        let late = !timed_out && done > deadline;
        match handle.slot() {
            None => {
                if late {
                    let event = Event::RequestTimedOut { tier, instance };
                    ctx.queue.schedule(deadline, event);
                }
                let event = Event::RequestServed {
                    tier,
                    instance,
                    arrived_at,
                    timed_out,
                };
                ctx.queue.schedule(done, event);
            }
            Some(call) => {
                if late {
                    let event = Event::CallTimedOut {
                        tier,
                        instance,
                        call,
                    };
                    ctx.queue.schedule(deadline, event);
                }
                let event = Event::CallServed {
                    tier,
                    instance,
                    call,
                    timed_out,
                };
                ctx.queue.schedule(done, event);
            }
        }
    }

    /// A standard-mode burstable instance's speed or requests in service changed:
    /// it asks for its next `CreditsDue` event if that is earlier than the one on the
    /// queue. Nothing for any other instance.
    #[inline(always)]
    pub(super) fn credits_changed(&self, ctx: &mut Ctx<'_>, instance: &mut Instance) {
        if let Some(credits) = &mut instance.credits {
            if credits.throttles() {
                if let Some((at, generation)) = credits.reschedule(self.timeout.0) {
                    let event = Event::CreditsDue {
                        tier: ctx.tier,
                        instance: instance.id,
                        generation,
                    };
                    ctx.queue.schedule(at, event);
                }
            }
        }
    }

    /// A request's service time is over: it makes its calls, if the tier has any, or
    /// it is answered. Returns whether the instance, draining for scale-in, has just
    /// become idle and can stop.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn served(
        &mut self,
        fleet: &mut Fleet,
        metrics: &mut Metrics,
        ctx: &mut Ctx<'_>,
        id: u32,
        arrived_at: SimTime,
        marked: bool,
        handle: Handle,
    ) -> bool {
        let now = ctx.now;
        let caller = self.calls.release(handle);
        let instance = &mut fleet.instances[id as usize];
        // A response after the idle timeout was answered 504 at the timeout, in the
        // queue or by `RequestTimedOut`.
        let timed_out = marked || now.since(arrived_at) > self.timeout;
        if is_dead(instance.state, instance.failed) {
            // Counted as interrupted when the instance stopped or failed; its caller
            // learns now, unless the 504 already told it.
            if !timed_out {
                answer(ctx, caller, Answer::Interrupted);
            }
            return false;
        }
        let Some(to) = self.calls.target(0) else {
            return self.finish(
                fleet,
                metrics,
                ctx,
                id,
                arrived_at,
                timed_out,
                caller,
                Answer::Ok,
            );
        };
        // The worker now waits on the calls, holding the request.
        instance.set_blocked(instance.blocked + 1, now);
        self.credits_changed(ctx, instance);
        let (slot, generation) = self.calls.pending.insert(Pending {
            instance: id,
            arrived_at,
            caller,
            made: 0,
            timed_out,
        });
        let me = self.calls.caller_of(slot, id, 0, Some(instance.zone));
        if !timed_out {
            let event = Event::CallsTimedOut {
                tier: ctx.tier,
                slot,
                generation,
            };
            ctx.queue.schedule(arrived_at + self.timeout, event);
        }
        ctx.outbox.push(Message::Call { to, caller: me });
        false
    }

    /// A call made by the request in `slot` has ended with `answer`: the next call
    /// goes out, or the request ends (with the first error, if any). Returns whether
    /// the request's instance, draining for scale-in, has just become idle and can
    /// stop, and which instance that is.
    pub(super) fn call_answered(
        &mut self,
        fleet: &mut Fleet,
        metrics: &mut Metrics,
        ctx: &mut Ctx<'_>,
        slot: u32,
        answer_: Answer,
    ) -> (bool, u32) {
        let pending = self.calls.pending.get_mut(slot);
        let pending_instance = pending.instance;
        let instance = &fleet.instances[pending_instance as usize];
        if !is_dead(instance.state, instance.failed) && answer_ == Answer::Ok {
            pending.made += 1;
            let made = pending.made;
            if let Some(to) = self.calls.target(made) {
                let zone = Some(instance.zone);
                let me = self.calls.caller_of(slot, pending_instance, made, zone);
                ctx.outbox.push(Message::Call { to, caller: me });
                return (false, pending_instance);
            }
        }
        let p = self.calls.pending.remove(slot);
        let instance = &mut fleet.instances[p.instance as usize];
        if is_dead(instance.state, instance.failed) {
            if !p.timed_out {
                answer(ctx, p.caller, Answer::Interrupted);
            }
            return (false, p.instance);
        }
        instance.set_blocked(instance.blocked - 1, ctx.now);
        self.credits_changed(ctx, instance);
        let drained = self.finish(
            fleet,
            metrics,
            ctx,
            p.instance,
            p.arrived_at,
            p.timed_out,
            p.caller,
            answer_,
        );
        (drained, p.instance)
    }

    /// The load balancer's idle timeout passed for a request waiting on its calls:
    /// answered 504 now; it still finishes its calls.
    pub(super) fn calls_timed_out(
        &mut self,
        fleet: &mut Fleet,
        metrics: &mut Metrics,
        ctx: &mut Ctx<'_>,
        slot: u32,
        generation: u32,
    ) {
        let Some(pending) = self.calls.pending.get_if(slot, generation) else {
            return; // the calls ended before the timeout
        };
        let instance = &mut fleet.instances[pending.instance as usize];
        if pending.timed_out || is_dead(instance.state, instance.failed) {
            return;
        }
        pending.timed_out = true;
        instance.timed_out_outstanding += 1;
        metrics.timed_out(1);
        answer(ctx, pending.caller, Answer::TimedOut);
    }

    /// The request leaves its worker, which takes the next waiting request or frees
    /// up, and is counted and answered. Returns whether the instance, draining for
    /// scale-in, has just become idle and can stop.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &mut self,
        fleet: &mut Fleet,
        metrics: &mut Metrics,
        ctx: &mut Ctx<'_>,
        id: u32,
        arrived_at: SimTime,
        timed_out: bool,
        caller: Caller,
        outcome: Answer,
    ) -> bool {
        let now = ctx.now;
        let instance = &mut fleet.instances[id as usize];
        metrics.queueing.in_system_changed(now, -1);
        if let Some(next) = instance.queue.pop_front() {
            if next.timed_out {
                instance.queue_timed_out -= 1;
            }
            metrics
                .queueing
                .service_started(now.since(next.arrived_at).as_nanos());
            self.start_service(
                ctx,
                instance,
                next.arrived_at,
                next.service_nanos,
                next.timed_out,
                next.handle,
            );
        } else {
            instance.set_busy(instance.busy - 1, now);
            self.credits_changed(ctx, instance);
        }
        let instance = &mut fleet.instances[id as usize];
        if timed_out {
            // Answered 504 already; the instance has now finished the work.
            instance.timed_out_outstanding -= 1;
        } else {
            match outcome {
                Answer::Ok => {
                    instance.responses_in_period += 1;
                    metrics.completed(now.since(arrived_at).0);
                    if !self.sends.is_empty() {
                        self.send_messages(ctx);
                    }
                }
                Answer::Rejected => metrics.rejected(),
                Answer::TimedOut => metrics.timed_out(1),
                Answer::Interrupted => metrics.interrupted(1),
                Answer::Failed => metrics.failed(),
            }
            answer(ctx, caller, outcome);
        }
        // An instance drained for scale-in stops as soon as it is idle; one with an
        // interruption notice keeps running (and billing) until EC2 stops it.
        instance.state == InstanceState::Draining
            && instance.outstanding() == 0
            && !instance.interruption_noticed
    }

    /// A completed request sends its messages (asynchronously: it has been answered
    /// already as far as it is concerned), each with its probability.
    fn send_messages(&mut self, ctx: &mut Ctx<'_>) {
        for &(to, probability) in &self.sends {
            if self.sends_rng.random::<f64>() < probability {
                ctx.outbox.push(Message::Sent { to });
            }
        }
    }

    /// A request in service passed the idle timeout: answered 504 now. Requests cut
    /// off before (the instance stopped or failed) were counted as interrupted then,
    /// and their caller learns now.
    pub(super) fn timed_out(
        &self,
        fleet: &mut Fleet,
        metrics: &mut Metrics,
        ctx: &mut Ctx<'_>,
        id: u32,
        handle: Handle,
    ) {
        let caller = self.calls.caller(handle);
        let instance = &mut fleet.instances[id as usize];
        if is_dead(instance.state, instance.failed) {
            return answer(ctx, caller, Answer::Interrupted);
        }
        instance.timed_out_outstanding += 1;
        metrics.timed_out(1);
        answer(ctx, caller, Answer::TimedOut);
    }

    /// Marks every waiting request whose idle timeout has passed as answered 504, then
    /// watches the next one.
    pub(super) fn queue_timeout_due(
        &self,
        fleet: &mut Fleet,
        metrics: &mut Metrics,
        ctx: &mut Ctx<'_>,
        id: u32,
    ) {
        let now = ctx.now;
        let instance = &mut fleet.instances[id as usize];
        if is_dead(instance.state, instance.failed) {
            return;
        }
        let mut marked = instance.queue_timed_out as usize;
        let first = marked;
        while let Some(waiting) = instance.queue.get_mut(marked) {
            if waiting.arrived_at + self.timeout > now {
                break;
            }
            waiting.timed_out = true;
            answer(ctx, self.calls.caller(waiting.handle), Answer::TimedOut);
            marked += 1;
        }
        let newly = (marked - first) as u32;
        instance.queue_timed_out += newly;
        instance.timed_out_outstanding += newly;
        match instance.queue.get(marked) {
            Some(next) => {
                let at = next.arrived_at + self.timeout;
                let due = Event::QueueTimeoutDue {
                    tier: ctx.tier,
                    instance: id,
                };
                ctx.queue.schedule(at, due);
            }
            None => instance.queue_timeout_pending = false,
        }
        metrics.timed_out(u64::from(newly));
    }

    /// Every request still on the instance is lost: counted as interrupted (those
    /// already answered 504 are not lost again); all leave the system. The callers of
    /// the waiting ones learn now; those of requests in service when their work ends.
    pub(super) fn cut_off(
        &mut self,
        fleet: &mut Fleet,
        metrics: &mut Metrics,
        ctx: &mut Ctx<'_>,
        id: u32,
    ) {
        let now = ctx.now;
        let instance = &mut fleet.instances[id as usize];
        metrics.interrupted(u64::from(instance.unanswered()));
        metrics
            .queueing
            .in_system_changed(now, -i64::from(instance.outstanding()));
        instance.set_blocked(0, now);
        instance.set_busy(0, now);
        if let Some(credits) = &mut instance.credits {
            // The requests in service of a standard-mode burstable instance are cut
            // off here, their callers told now.
            for job in std::mem::take(&mut credits.jobs) {
                let caller = self.calls.release(job.handle);
                if !job.timed_out && !job.late {
                    answer(ctx, caller, Answer::Interrupted);
                }
            }
        }
        for waiting in std::mem::take(&mut instance.queue) {
            let caller = self.calls.release(waiting.handle);
            if !waiting.timed_out {
                answer(ctx, caller, Answer::Interrupted);
            }
        }
        instance.timed_out_outstanding = 0;
        instance.queue_timed_out = 0;
    }
}

/// Tells `caller` how its call ended; the client needs no message.
#[inline]
pub(super) fn answer(ctx: &mut Ctx<'_>, caller: Caller, answer: Answer) {
    if caller.tier().is_some() {
        ctx.outbox.push(Message::Answered { caller, answer });
    }
}
