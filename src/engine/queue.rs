//! The pending-event set: a binary min-heap keyed by `(time, sequence number)`.
//!
//! Contract: events pop in non-decreasing time; events scheduled for the same time pop
//! in the order they were scheduled (first in, first out). The sequence number makes
//! the order total, so a run never depends on how the heap breaks ties.
//!
//! A binary heap was chosen over a calendar queue or a timing wheel: simcloud's pending
//! set is small (one arrival, one completion per busy worker, a few timers), where a
//! heap of 32-byte entries that stays in cache is hard to beat and simple to trust.

use super::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Entry<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest entry.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// A queue of events of type `E`, popped in `(time, insertion order)`.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }

    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(capacity),
            next_seq: 0,
        }
    }

    /// Adds `event` at `time`; it pops after every event already scheduled for `time`.
    #[inline]
    pub fn schedule(&mut self, time: SimTime, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry {
            time: time.0,
            seq,
            event,
        });
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap.pop().map(|e| (SimTime(e.time), e.event))
    }

    /// The time of the earliest event, without removing it.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| SimTime(e.time))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        /// The queue agrees with a `BTreeMap` keyed by `(time, insertion index)`, the
        /// obvious reference implementation, under any interleaving of pushes and pops.
        #[test]
        fn matches_btreemap_reference(ops in proptest::collection::vec((any::<bool>(), 0u64..20), 0..300)) {
            let mut queue = EventQueue::new();
            let mut reference = BTreeMap::new();
            for (i, (push, time)) in ops.into_iter().enumerate() {
                if push {
                    queue.schedule(SimTime(time), i);
                    reference.insert((time, i), i);
                } else {
                    let expected = reference.pop_first().map(|((t, _), v)| (SimTime(t), v));
                    prop_assert_eq!(queue.pop(), expected);
                }
            }
            prop_assert_eq!(queue.len(), reference.len());
        }
    }
}
