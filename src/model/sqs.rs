//! An Amazon SQS standard queue and the Elastic Beanstalk `sqsd` daemon that reads it
//! on each instance of a worker tier (aws-facts.md 5, 12). `Queue` owns the messages,
//! their visibility, the connections `sqsd` has open to the application on each
//! instance, and the counts of the summary and the bill; which instance receives and
//! what the application does with a message are the worker tier's (`ec2/worker.rs`).
//!
//! The rules:
//! - A message sent is visible at once (`DelaySeconds` 0, 12.2). An idle `sqsd`
//!   connection on an InService instance long-polls, so it receives a visible message
//!   as soon as there is one (12.3); each instance keeps at most `http_connections`
//!   messages in flight (5). Each message is one `ReceiveMessage` (sqsd may fetch up
//!   to 10 at once, 12.2: counting one per message is an upper bound on the bill).
//! - A received message is invisible for `visibility_timeout`, then visible again,
//!   whether or not it is still being processed: a second connection may receive and
//!   process it again (standard queues are at-least-once, 12.3). The first success
//!   deletes it; a later success of another copy is counted as a duplicate.
//! - The application's error (any answer but 200) or no answer within
//!   `inactivity_timeout` makes `sqsd` set the message visible after
//!   `error_visibility_timeout` (`ChangeMessageVisibility`, 5). A connection cut off
//!   by its instance stopping answers nothing: the message waits out its visibility
//!   timeout.
//! - A message received more than `max_retries` times (`maxReceiveCount`) moves to
//!   the dead-letter queue instead (12.4): it is processed at most `max_retries`
//!   times. That last `ReceiveMessage` is still a call, counted and billed.
//! - A message older than `retention_period` (from its original send, 12.4) is
//!   deleted: expired, found when it would be received and at each metric period.
//! - Empty receives: every idle connection of an InService instance long-polls for
//!   20 s, the longest wait (12.2), and each poll that ends empty is a billed request
//!   (12.1): idle connection-seconds ÷ 20. That `sqsd` long-polls at the maximum is an
//!   assumption (its documentation does not say).
//!
//! - Periodic tasks (`cron.yaml`, aws-facts.md 5): at each time a task's schedule
//!   matches, the environment's leader instance sends one message; "any instance in
//!   the environment can pick up the message". Elastic Beanstalk elects the leader
//!   among the instances ("if the leader goes out of service, another instance
//!   quickly takes its place"): a task is sent when at least one instance is
//!   InService, and counted missed when none is (the election's own delay is left
//!   out). A task's message costs what the task says (its own `time`) or the tier's
//!   service time, drawn from a stream of its own.
//!
//! Deliberately left out: FIFO queues, the in-flight limit of 120,000 (12.3), delay
//! queues, redrive from the dead-letter queue, message groups.

use super::billing::sqs::SqsPrices;
use super::calls::Slab;
use super::config::WorkerConfig;
use super::dist::DurationSampler;
use super::outcome::{LatencySummary, PeriodicTaskSummary, QueueRequests, QueueSummary, round_to};
use super::traffic::ArrivalProcess;
use crate::engine::{LatencyHistogram, RngStreams, SimDuration, SimRng, SimTime, TimeIntegral};
use std::collections::VecDeque;

/// The longest a receive long-polls (aws-facts.md 12.2).
const LONG_POLL: SimDuration = SimDuration::from_secs(20);

/// The `task` of a message that no periodic task sent.
pub(super) const NO_TASK: u16 = u16::MAX;

/// A message in the queue (visible or in flight).
struct Message {
    sent_at: SimTime,
    receives: u32,
    /// The periodic task that sent it, or [`NO_TASK`].
    task: u16,
    /// The visibility change now in effect: a `MessageVisible` event for another is
    /// stale.
    turn: u32,
    /// Copies being processed now.
    in_flight: u32,
    /// In `Queue::visible`.
    queued: bool,
    /// Deleted after a success (or expired, or moved to the dead-letter queue): a copy
    /// still in flight finishes as a duplicate.
    gone: bool,
}

/// One receive of a message by a connection: what its answer concerns.
#[derive(Clone, Copy)]
struct Delivery {
    message: u32,
    instance: u32,
    received_at: SimTime,
}

/// What a receive did with the message at the head of the queue.
pub(super) enum Received {
    /// Post the message to the application on the instance; its answer names `slot`.
    /// `service_nanos`: how long processing it takes when a periodic task says so
    /// (else the tier's service time).
    Deliver {
        slot: u32,
        service_nanos: Option<u64>,
    },
    /// Deleted on the way (expired, dead-lettered, or already processed).
    Dropped,
}

#[derive(Default)]
struct Counts {
    sent: u64,
    processed: u64,
    retried: u64,
    dead_lettered: u64,
    expired: u64,
    duplicates: u64,
    receives: u64,
    deletes: u64,
    visibility_changes: u64,
}

pub(super) struct Queue {
    config: WorkerConfig,
    prices: SqsPrices,
    messages: Slab<Message>,
    /// Visible messages (slots), oldest visible first; entries of messages gone since
    /// are skipped.
    visible: VecDeque<u32>,
    /// Messages visible now.
    visible_count: u64,
    backlog_peak: u64,
    deliveries: Slab<Delivery>,
    /// Messages in flight on each instance (by instance id).
    connections: Vec<u32>,
    /// Connections busy, all instances, and their integral over time.
    busy: u64,
    busy_area: TimeIntegral,
    next_turn: u32,
    counts: Counts,
    time_in_queue: LatencyHistogram,
    /// Messages the queue's own clients send (`[tiers.<name>.messages]`).
    pub(super) arrivals: Option<ArrivalProcess>,
    /// Each periodic task's processing time (when its own) and counts.
    periodic: Vec<Periodic>,
    periodic_rng: SimRng,
}

/// A periodic task's own processing time, and what it sent.
struct Periodic {
    time: Option<DurationSampler>,
    sent: u64,
    missed: u64,
}

impl Queue {
    pub(super) fn new(config: &WorkerConfig, streams: &RngStreams, end: SimTime) -> Self {
        let max_micros = config.retention_period.0 / 1_000 + 1;
        Queue {
            prices: SqsPrices::new(config),
            messages: Slab::default(),
            visible: VecDeque::new(),
            visible_count: 0,
            backlog_peak: 0,
            deliveries: Slab::default(),
            connections: Vec::new(),
            busy: 0,
            busy_area: TimeIntegral::default(),
            next_turn: 0,
            counts: Counts::default(),
            time_in_queue: LatencyHistogram::new(max_micros, 3),
            arrivals: config
                .messages
                .as_ref()
                .map(|m| ArrivalProcess::new(m, streams.stream("messages"), end)),
            periodic: config
                .periodic_tasks
                .iter()
                .map(|t| Periodic {
                    time: t.time.as_ref().map(DurationSampler::new),
                    sent: 0,
                    missed: 0,
                })
                .collect(),
            periodic_rng: streams.stream("periodic"),
            config: config.clone(),
        }
    }

    /// Messages visible now (`ApproximateNumberOfMessagesVisible`).
    pub(super) fn visible(&self) -> u64 {
        self.visible_count
    }

    /// Whether instance `id` has a connection free.
    pub(super) fn has_free_connection(&self, id: u32) -> bool {
        self.in_flight_on(id) < self.config.http_connections
    }

    /// Messages in flight on instance `id`.
    pub(super) fn in_flight_on(&self, id: u32) -> u32 {
        self.connections.get(id as usize).copied().unwrap_or(0)
    }

    fn make_visible(&mut self, slot: u32) {
        let message = self.messages.get_mut(slot);
        message.queued = true;
        self.visible.push_back(slot);
        self.visible_count += 1;
        self.backlog_peak = self.backlog_peak.max(self.visible_count);
    }

    /// A message is sent (`SendMessage`): visible now.
    pub(super) fn send(&mut self, now: SimTime) {
        self.send_from(now, NO_TASK);
    }

    /// Periodic task `task` is due: the leader sends its message, or, with no
    /// instance InService to lead (`leader` false), the task is missed.
    pub(super) fn periodic_task_due(&mut self, now: SimTime, task: u16, leader: bool) {
        let periodic = &mut self.periodic[usize::from(task)];
        if leader {
            periodic.sent += 1;
            self.send_from(now, task);
        } else {
            periodic.missed += 1;
        }
    }

    /// The next time periodic task `task` is due after `now`, if before `end`.
    pub(super) fn next_periodic(&self, task: u16, now: SimTime, end: SimTime) -> Option<SimTime> {
        self.config.periodic_tasks[usize::from(task)]
            .cron
            .next_after(now.0)
            .filter(|&t| t < end.0)
            .map(SimTime)
    }

    /// How many periodic tasks the queue has.
    pub(super) fn periodic_tasks(&self) -> u16 {
        self.periodic.len() as u16
    }

    fn send_from(&mut self, now: SimTime, task: u16) {
        self.counts.sent += 1;
        let (slot, _) = self.messages.insert(Message {
            sent_at: now,
            receives: 0,
            task,
            turn: 0,
            in_flight: 0,
            queued: false,
            gone: false,
        });
        self.make_visible(slot);
    }

    /// Frees a message's slot once nothing refers to it.
    fn forget_if_done(&mut self, slot: u32) {
        let m = self.messages.get(slot);
        if m.gone && m.in_flight == 0 && !m.queued {
            self.messages.remove(slot);
        }
    }

    /// Marks a message deleted; a visible one leaves the count of visible messages.
    fn delete(&mut self, slot: u32) {
        let m = self.messages.get_mut(slot);
        m.gone = true;
        if m.queued {
            self.visible_count -= 1;
        }
    }

    fn expired(&self, slot: u32, now: SimTime) -> bool {
        now >= self.messages.get(slot).sent_at + self.config.retention_period
    }

    /// A connection of instance `instance` receives the oldest visible message, if
    /// any: `None` when none is visible. Returns the visibility timeout's due time
    /// with a delivery, for the caller to schedule `MessageVisible` (slot, turn).
    pub(super) fn receive(
        &mut self,
        now: SimTime,
        instance: u32,
    ) -> Option<(Received, Option<(SimTime, u32, u32)>)> {
        let slot = self.visible.pop_front()?;
        let m = self.messages.get_mut(slot);
        m.queued = false;
        if m.gone {
            // Deleted while visible: already out of the count.
            self.forget_if_done(slot);
            return Some((Received::Dropped, None));
        }
        self.visible_count -= 1;
        if self.expired(slot, now) {
            self.counts.expired += 1;
            self.messages.get_mut(slot).gone = true;
            self.forget_if_done(slot);
            return Some((Received::Dropped, None));
        }
        self.counts.receives += 1;
        let m = self.messages.get_mut(slot);
        m.receives += 1;
        // "When ReceiveCount exceeds maxReceiveCount" the message moves to the
        // dead-letter queue (aws-facts.md 12.4): this receive is not delivered.
        if m.receives > self.config.max_retries {
            m.gone = true;
            self.counts.dead_lettered += 1;
            self.forget_if_done(slot);
            return Some((Received::Dropped, None));
        }
        if m.receives > 1 {
            self.counts.retried += 1;
        }
        m.in_flight += 1;
        self.next_turn = self.next_turn.wrapping_add(1);
        m.turn = self.next_turn;
        let due = now + self.config.visibility_timeout;
        let (delivery, _) = self.deliveries.insert(Delivery {
            message: slot,
            instance,
            received_at: now,
        });
        let task = m.task;
        let i = instance as usize;
        if self.connections.len() <= i {
            self.connections.resize(i + 1, 0);
        }
        self.connections[i] += 1;
        self.busy_area.advance(now, self.busy);
        self.busy += 1;
        // Drawn at each delivery: a retried task's message takes its time anew.
        let service_nanos = match self.periodic.get(usize::from(task)) {
            Some(Periodic { time: Some(t), .. }) => Some(t.sample(&mut self.periodic_rng)),
            _ => None,
        };
        Some((
            Received::Deliver {
                slot: delivery,
                service_nanos,
            },
            Some((due, slot, self.next_turn)),
        ))
    }

    /// The application answered delivery `slot` (`ok`: 200), or `sqsd` gave up on it
    /// (`cut_off`: its instance stopped, nothing answers). Returns the due time of the
    /// error visibility timeout to schedule, as `receive` does.
    pub(super) fn answered(
        &mut self,
        now: SimTime,
        delivery: u32,
        ok: bool,
        cut_off: bool,
    ) -> Option<(SimTime, u32, u32)> {
        let Delivery {
            message: slot,
            instance,
            received_at,
        } = self.deliveries.remove(delivery);
        self.connections[instance as usize] -= 1;
        self.busy_area.advance(now, self.busy);
        self.busy -= 1;
        let m = self.messages.get_mut(slot);
        m.in_flight -= 1;
        let mut due = None;
        if m.gone {
            if ok {
                self.counts.duplicates += 1;
            }
        } else if ok {
            // `DeleteMessage` (aws-facts.md 5).
            self.counts.deletes += 1;
            self.counts.processed += 1;
            let sent_at = m.sent_at;
            self.time_in_queue
                .record_nanos(received_at.since(sent_at).as_nanos());
            self.delete(slot);
        } else if !cut_off && !m.queued {
            // `ChangeMessageVisibility` to the error visibility timeout (5).
            self.counts.visibility_changes += 1;
            self.next_turn = self.next_turn.wrapping_add(1);
            m.turn = self.next_turn;
            due = Some((
                now + self.config.error_visibility_timeout,
                slot,
                self.next_turn,
            ));
        }
        self.forget_if_done(slot);
        due
    }

    /// A message's visibility timeout `turn` has run out: visible again, unless a
    /// later change or its deletion made this one stale.
    pub(super) fn visibility_ended(&mut self, slot: u32, turn: u32) -> bool {
        let Some(m) = self.messages.get_if(slot, self.messages.generation(slot)) else {
            return false;
        };
        if m.turn != turn || m.gone || m.queued {
            return false;
        }
        self.make_visible(slot);
        true
    }

    /// Deletes the visible messages past the retention period.
    pub(super) fn purge_expired(&mut self, now: SimTime) {
        let retention = self.config.retention_period;
        let messages = &mut self.messages;
        let mut expired = 0;
        self.visible.retain(|&slot| {
            let m = messages.get_mut(slot);
            if !m.gone && now >= m.sent_at + retention {
                m.gone = true;
                m.queued = false;
                expired += 1;
                if m.in_flight == 0 {
                    messages.remove(slot);
                }
                return false;
            }
            true
        });
        self.visible_count -= expired;
        self.counts.expired += expired;
    }

    /// Requests billed by `now`: the API calls with a message, and the empty receives
    /// of the idle connections of `in_service_area` (instances in service × ns).
    fn billed_requests(&self, now: SimTime, in_service_area: u128) -> (u64, u64) {
        let c = &self.counts;
        let with_message = c.sent + c.receives + c.deletes + c.visibility_changes;
        (
            self.prices.requests(with_message, 0),
            self.empty_receives(now, in_service_area),
        )
    }

    fn empty_receives(&self, now: SimTime, in_service_area: u128) -> u64 {
        let connections = in_service_area * u128::from(self.config.http_connections);
        let idle = connections.saturating_sub(self.busy_area.at(now, self.busy));
        (idle / u128::from(LONG_POLL.0)) as u64
    }

    /// The SQS bill by `now`.
    pub(super) fn cost(&self, now: SimTime, in_service_area: u128) -> f64 {
        let (with_message, empty) = self.billed_requests(now, in_service_area);
        self.prices
            .cost(now.since(SimTime::ZERO), with_message + empty)
    }

    /// The closed bill's line (`cost.csv`) and the queue's summary at `end`.
    pub(super) fn finish(
        &mut self,
        tier: &str,
        end: SimTime,
        in_service_area: u128,
    ) -> (crate::model::outcome::CostItem, QueueSummary) {
        self.purge_expired(end);
        let (with_message, empty) = self.billed_requests(end, in_service_area);
        let line = self
            .prices
            .line(tier, end.since(SimTime::ZERO), with_message + empty);
        let c = &self.counts;
        let h = &self.time_in_queue;
        let in_flight = self
            .messages
            .filled()
            .filter(|&s| {
                let m = self.messages.get(s);
                !m.gone && !m.queued
            })
            .count() as u64;
        let summary = QueueSummary {
            sent: c.sent,
            processed: c.processed,
            retried: c.retried,
            dead_lettered: c.dead_lettered,
            expired: c.expired,
            duplicates: c.duplicates,
            visible_at_end: self.visible_count,
            in_flight_at_end: in_flight,
            backlog_peak: self.backlog_peak,
            time_in_queue_ms: LatencySummary {
                mean: round_to(h.mean_ms(), 3),
                p50: round_to(h.quantile_ms(0.50), 3),
                p90: round_to(h.quantile_ms(0.90), 3),
                p99: round_to(h.quantile_ms(0.99), 3),
                p999: round_to(h.quantile_ms(0.999), 3),
                max: round_to(h.quantile_ms(1.0), 3),
            },
            periodic_tasks: self
                .config
                .periodic_tasks
                .iter()
                .zip(&self.periodic)
                .map(|(t, p)| PeriodicTaskSummary {
                    name: t.name.clone(),
                    sent: p.sent,
                    missed: p.missed,
                })
                .collect(),
            requests: QueueRequests {
                sends: c.sent,
                receives: c.receives,
                empty_receives: empty,
                deletes: c.deletes,
                visibility_changes: c.visibility_changes,
                billed: with_message + empty,
            },
        };
        (line, summary)
    }
}
