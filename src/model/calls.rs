//! Calls between tiers (SPEC "Phase 2": `[[tiers.<name>.calls]]`): a request of a
//! calling tier, once its own service time is over, makes its calls one after the
//! other, each a request to the called tier's internal load balancer, and holds its
//! worker until the last answer (a worker waiting on a call uses no CPU). An error
//! from a called tier ends the request with the same error (its load balancer answers
//! 503, 504 or 502 as the called tier's did), and the remaining calls are not made.
//!
//! `Calls` owns the requests of one tier that wait on their calls (a slab, so that a
//! call carries a small [`Caller`] rather than the request); what a call does on
//! arrival is the called tier's `Serving`.

use crate::engine::SimTime;

/// The request of another tier that a request answers to: its tier and its slot in
/// that tier's [`Calls`]. Entry requests have none (the client).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Caller {
    tier: u8,
    slot: u32,
}

impl Caller {
    /// The client, for requests of the entry tier.
    pub(super) const CLIENT: Caller = Caller {
        tier: u8::MAX,
        slot: 0,
    };

    pub(super) fn tier(self) -> Option<u8> {
        (self.tier != u8::MAX).then_some(self.tier)
    }

    pub(super) fn slot(self) -> u32 {
        self.slot
    }
}

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
}

/// Work for other tiers that an event produced, carried out by the run's loop after
/// the event: a tier never reaches into another.
#[derive(Clone, Copy, Debug)]
pub(super) enum Message {
    /// A request reaches the internal load balancer of tier `to`.
    Call { to: u8, caller: Caller },
    /// The request `caller` made has ended.
    Answered { caller: Caller, answer: Answer },
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

pub(super) struct Calls {
    /// This tier's index.
    tier: u8,
    /// The tier each call goes to, in order (`count` repeats written out).
    plan: Vec<u8>,
    slots: Vec<(u32, Option<Pending>)>,
    free: Vec<u32>,
}

impl Calls {
    pub(super) fn new(tier: u8, plan: Vec<u8>) -> Self {
        Calls {
            tier,
            plan,
            slots: Vec::new(),
            free: Vec::new(),
        }
    }

    /// The tier the `k`-th call (from 0) goes to, if the plan has that many.
    pub(super) fn target(&self, k: u32) -> Option<u8> {
        self.plan.get(k as usize).copied()
    }

    /// Keeps `pending` until its calls end; returns the caller its calls carry and the
    /// slot's generation (for a timeout that may find the slot reused).
    pub(super) fn insert(&mut self, pending: Pending) -> (Caller, u32) {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push((0, None));
                (self.slots.len() - 1) as u32
            }
        };
        let entry = &mut self.slots[slot as usize];
        entry.0 = entry.0.wrapping_add(1);
        entry.1 = Some(pending);
        let generation = entry.0;
        (self.caller_of(slot), generation)
    }

    /// The caller that the calls of the request in `slot` carry.
    pub(super) fn caller_of(&self, slot: u32) -> Caller {
        Caller {
            tier: self.tier,
            slot,
        }
    }

    pub(super) fn get_mut(&mut self, slot: u32) -> &mut Pending {
        self.slots[slot as usize]
            .1
            .as_mut()
            .expect("an answer comes to a pending request")
    }

    /// The request in `slot` if it is the one of `generation`.
    pub(super) fn get_if(&mut self, slot: u32, generation: u32) -> Option<&mut Pending> {
        let entry = self.slots.get_mut(slot as usize)?;
        if entry.0 != generation {
            return None;
        }
        entry.1.as_mut()
    }

    pub(super) fn remove(&mut self, slot: u32) -> Pending {
        let pending = self.slots[slot as usize]
            .1
            .take()
            .expect("a pending request is removed once");
        self.free.push(slot);
        pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_slot_is_told_apart_by_its_generation() {
        let mut calls = Calls::new(0, vec![1, 1]);
        let pending = Pending {
            instance: 3,
            arrived_at: SimTime::ZERO,
            caller: Caller::CLIENT,
            made: 0,
            timed_out: false,
        };
        let (first, g1) = calls.insert(pending);
        calls.remove(first.slot());
        let (second, g2) = calls.insert(pending);
        assert_eq!(first.slot(), second.slot());
        assert!(calls.get_if(second.slot(), g1).is_none());
        assert!(calls.get_if(second.slot(), g2).is_some());
        assert_eq!((calls.target(1), calls.target(2)), (Some(1), None));
    }
}
