//! Calls between tiers (SPEC "Phase 2": `[[tiers.<name>.calls]]`): a request of a
//! calling tier, once its own service time is over, makes its calls one after the
//! other, each a request to the called tier's internal load balancer, and holds its
//! worker until the last answer (a worker waiting on a call uses no CPU). An error
//! from a called tier ends the request with the same error (its load balancer answers
//! 503, 504 or 502 as the called tier's did; a database's error is the application's
//! 500), and the remaining calls are not made.
//!
//! `Calls` owns the requests of one tier that wait on their calls (a slab, so that a
//! call carries a small [`Caller`] rather than the request); what a call does on
//! arrival is the called tier's `Serving`.

use super::config::Call;
use crate::engine::SimTime;

/// The request of another tier that a request answers to: its tier, its slot in
/// that tier's [`Calls`], the instance it runs on (whose connection pool a database
/// tier lends it a connection from) and that instance's zone, and which of its tier's
/// `calls` entries it is making (whose bytes cross zones when the called database is
/// in another, aws-facts.md 17.3). Entry requests have none (the client). Three bytes
/// and two words: the same twelve bytes as without the zone and the entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Caller {
    tier: u8,
    /// `u8::MAX`: in no zone (a Lambda function).
    zone: u8,
    call: u8,
    slot: u32,
    instance: u32,
}

impl Caller {
    /// The client, for requests of the entry tier.
    pub(super) const CLIENT: Caller = Caller {
        tier: u8::MAX,
        zone: u8::MAX,
        call: 0,
        slot: 0,
        instance: 0,
    };

    /// `sqsd`'s delivery `slot` of a worker tier `tier`'s queue to instance
    /// `instance` of that tier: the application answers the queue. Its `call` is
    /// [`DELIVERY`], which no `calls` entry has (a tier makes at most 255 calls), so
    /// that the worker tells its application's answers to `sqsd` from the answers to
    /// its own calls (`[[tiers.<worker>.calls]]`).
    pub(super) fn delivery(tier: u8, slot: u32, instance: u32) -> Caller {
        Caller {
            tier,
            zone: u8::MAX,
            call: DELIVERY,
            slot,
            instance,
        }
    }

    /// Whether this is `sqsd`'s delivery of a message (see [`Caller::delivery`]).
    pub(super) fn is_delivery(self) -> bool {
        self.call == DELIVERY && self.tier != u8::MAX
    }

    /// The zone of the calling instance, if it runs in one.
    pub(super) fn zone(self) -> Option<u8> {
        (self.zone != u8::MAX).then_some(self.zone)
    }

    /// The index of the calling tier's `calls` entry the call belongs to.
    pub(super) fn call(self) -> usize {
        usize::from(self.call)
    }

    pub(super) fn tier(self) -> Option<u8> {
        (self.tier != u8::MAX).then_some(self.tier)
    }

    pub(super) fn slot(self) -> u32 {
        self.slot
    }

    /// The calling tier's instance the request runs on.
    pub(super) fn instance(self) -> u32 {
        self.instance
    }
}

/// The `call` of a [`Caller::delivery`].
const DELIVERY: u8 = u8::MAX;

/// How a request ended, for its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Answer {
    Ok,
    /// 503: no healthy target, or the queue was full.
    Rejected,
    /// 504: the load balancer's idle timeout passed.
    TimedOut,
    /// 502: the instance stopped or failed.
    Interrupted,
    /// 500: the application got an error from a database (a refused connection, or a
    /// failover under way); it answers its own caller 500.
    Failed,
}

/// Work for other tiers that an event produced, carried out by the run's loop after
/// the event: a tier never reaches into another.
#[derive(Clone, Copy, Debug)]
pub(super) enum Message {
    /// A request reaches the internal load balancer of tier `to`.
    Call { to: u8, caller: Caller },
    /// The request `caller` made has ended.
    Answered { caller: Caller, answer: Answer },
    /// Instance `instance` of tier `tier`, which calls tier `to`, has stopped: what
    /// it held there (a database's connection pool) is let go.
    CallerStopped { to: u8, tier: u8, instance: u32 },
    /// A completed request sends a message to the queue of worker tier `to`
    /// (`[[tiers.<name>.sends]]`); it does not wait.
    Sent { to: u8 },
}

/// A request waiting on its calls.
#[derive(Clone, Copy, Debug)]
pub(super) struct Pending {
    pub instance: u32,
    pub arrived_at: SimTime,
    /// Its own caller.
    pub caller: Caller,
    /// Calls answered so far.
    pub made: u32,
    /// Already answered 504 by the load balancer's idle timeout; it still finishes
    /// its calls, as the application does not know.
    pub timed_out: bool,
}

/// A call this tier received, from its admission (served or queued) until it leaves
/// the tier: its events and queue place carry the slot instead, so that the events of
/// the clients' requests stay two words (a caller in every event made them three, and
/// the single-tier model 8 % slower, results/studies/bench/README.md).
#[derive(Clone, Copy, Debug)]
pub(super) struct Received {
    pub arrived_at: SimTime,
    pub caller: Caller,
}

/// Where a request's caller is kept: [`Handle::CLIENT`] for the clients' requests,
/// else the slot of its [`Received`] record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Handle(u32);

impl Handle {
    pub(super) const CLIENT: Handle = Handle(u32::MAX);

    /// The handle of `calls.received` slot `slot`.
    pub(super) fn of(slot: u32) -> Handle {
        Handle(slot)
    }

    pub(super) fn slot(self) -> Option<u32> {
        (self != Handle::CLIENT).then_some(self.0)
    }
}

/// Slots reused once freed, each with a generation that tells a reused slot from the
/// one an old event named.
pub(super) struct Slab<T> {
    slots: Vec<(u32, Option<T>)>,
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slab<T> {
    /// Keeps `item`; returns its slot and the slot's generation.
    pub(super) fn insert(&mut self, item: T) -> (u32, u32) {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push((0, None));
                (self.slots.len() - 1) as u32
            }
        };
        let entry = &mut self.slots[slot as usize];
        entry.0 = entry.0.wrapping_add(1);
        entry.1 = Some(item);
        (slot, entry.0)
    }

    pub(super) fn get(&self, slot: u32) -> &T {
        self.slots[slot as usize]
            .1
            .as_ref()
            .expect("a slot is used only while it is filled")
    }

    pub(super) fn get_mut(&mut self, slot: u32) -> &mut T {
        self.slots[slot as usize]
            .1
            .as_mut()
            .expect("a slot is used only while it is filled")
    }

    /// The item in `slot` if it is the one of `generation`.
    pub(super) fn get_if(&mut self, slot: u32, generation: u32) -> Option<&mut T> {
        let entry = self.slots.get_mut(slot as usize)?;
        if entry.0 != generation {
            return None;
        }
        entry.1.as_mut()
    }

    /// The slots filled now, in slot order.
    pub(super) fn filled(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.slots.len() as u32).filter(|&s| self.slots[s as usize].1.is_some())
    }

    /// The generation of what `slot` holds now.
    pub(super) fn generation(&self, slot: u32) -> u32 {
        self.slots[slot as usize].0
    }

    pub(super) fn remove(&mut self, slot: u32) -> T {
        let item = self.slots[slot as usize]
            .1
            .take()
            .expect("a slot is emptied once");
        self.free.push(slot);
        item
    }
}

pub(super) struct Calls {
    /// This tier's index.
    tier: u8,
    /// The tier each call goes to, in order (`count` repeats written out), with the
    /// index of its `calls` entry.
    plan: Vec<(u8, u8)>,
    /// The requests waiting on their calls.
    pub pending: Slab<Pending>,
    /// The calls received, while they are on the tier.
    pub received: Slab<Received>,
}

impl Calls {
    /// The calls of tier `tier`, which makes `calls` (each `count` times, in order).
    pub(super) fn for_tier(tier: u8, calls: &[Call]) -> Self {
        let plan = calls
            .iter()
            .enumerate()
            .flat_map(|(i, c)| std::iter::repeat_n((c.tier as u8, i as u8), c.count as usize))
            .collect();
        Calls::new(tier, plan)
    }

    pub(super) fn new(tier: u8, plan: Vec<(u8, u8)>) -> Self {
        Calls {
            tier,
            plan,
            pending: Slab::default(),
            received: Slab::default(),
        }
    }

    /// The tier the `k`-th call (from 0) goes to, if the plan has that many.
    pub(super) fn target(&self, k: u32) -> Option<u8> {
        self.plan.get(k as usize).map(|&(tier, _)| tier)
    }

    /// The caller that the `k`-th call (from 0) of the request in pending `slot`, on
    /// `instance` in `zone`, carries.
    pub(super) fn caller_of(&self, slot: u32, instance: u32, k: u32, zone: Option<u8>) -> Caller {
        Caller {
            tier: self.tier,
            zone: zone.unwrap_or(u8::MAX),
            call: self.plan[k as usize].1,
            slot,
            instance,
        }
    }

    /// The tiers this tier calls, each once, in the order of the first call to each.
    pub(super) fn targets(&self) -> Vec<u8> {
        let mut targets = Vec::new();
        for &(t, _) in &self.plan {
            if !targets.contains(&t) {
                targets.push(t);
            }
        }
        targets
    }

    /// Where a request admitted now keeps its caller.
    #[inline]
    pub(super) fn admit(&mut self, arrived_at: SimTime, caller: Caller) -> Handle {
        match caller.tier() {
            None => Handle::CLIENT,
            Some(_) => Handle(self.received.insert(Received { arrived_at, caller }).0),
        }
    }

    /// The caller of the request at `handle`.
    #[inline]
    pub(super) fn caller(&self, handle: Handle) -> Caller {
        match handle.slot() {
            None => Caller::CLIENT,
            Some(slot) => self.received.get(slot).caller,
        }
    }

    /// The request at `handle` leaves the tier: its caller, for the answer.
    #[inline]
    pub(super) fn release(&mut self, handle: Handle) -> Caller {
        match handle.slot() {
            None => Caller::CLIENT,
            Some(slot) => self.received.remove(slot).caller,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_slot_is_told_apart_by_its_generation() {
        let mut slab = Slab::default();
        let (first, g1) = slab.insert('a');
        slab.remove(first);
        let (second, g2) = slab.insert('b');
        assert_eq!(first, second);
        assert!(slab.get_if(second, g1).is_none());
        assert_eq!(slab.get_if(second, g2), Some(&mut 'b'));
        let calls = Calls::new(0, vec![(1, 0), (1, 0)]);
        assert_eq!((calls.target(1), calls.target(2)), (Some(1), None));
    }

    #[test]
    fn a_client_request_keeps_no_record() {
        let mut calls = Calls::new(1, vec![(2, 0)]);
        assert_eq!(calls.admit(SimTime::ZERO, Caller::CLIENT), Handle::CLIENT);
        let caller = calls.caller_of(7, 3, 0, Some(1));
        assert_eq!(caller.zone(), Some(1));
        assert_eq!(caller.instance(), 3);
        let handle = calls.admit(SimTime::ZERO, caller);
        assert_eq!(calls.caller(handle), caller);
        assert_eq!(calls.release(handle), caller);
        assert_eq!(calls.release(Handle::CLIENT), Caller::CLIENT);
    }
}
