//! A `worker` tier (an Elastic Beanstalk worker environment, aws-facts.md 5): the
//! tier's Auto Scaling group reads an SQS queue ([`Queue`]) instead of sitting behind a
//! load balancer. What the queue's events do across the components: messages sent,
//! `sqsd`'s connections on each InService instance receiving visible messages and
//! posting them to the application (`Serving::post`), the application's answers, and
//! visibility timeouts running out.

use super::*;
use crate::model::calls::Answer;
use crate::model::sqs::{Queue, Received};

impl Ec2Tier<'_> {
    /// The worker tier's queue.
    fn queue(&mut self) -> &mut Queue {
        self.sqs.as_mut().expect("a worker tier has a queue")
    }

    /// A message reaches the queue: visible at once.
    pub(super) fn on_message_sent(&mut self, ctx: &mut Ctx<'_>) {
        self.queue().send(ctx.now);
        self.pump(ctx);
    }

    /// The queue's own clients send their next message.
    pub(super) fn on_own_message(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(t) = self
            .queue()
            .arrivals
            .as_mut()
            .and_then(|a| a.next_arrival())
        {
            ctx.queue.schedule(t, Event::MessageSent { tier: ctx.tier });
        }
        self.on_message_sent(ctx);
    }

    /// The first message of the queue's own clients, and the first time each
    /// periodic task is due.
    pub(super) fn start_queue(&mut self, ctx: &mut Ctx<'_>) {
        let Some(queue) = self.sqs.as_mut() else {
            return;
        };
        if let Some(t) = queue.arrivals.as_mut().and_then(|a| a.next_arrival()) {
            ctx.queue.schedule(t, Event::MessageSent { tier: ctx.tier });
        }
        for task in 0..queue.periodic_tasks() {
            if let Some(t) = queue.next_periodic(task, ctx.now, ctx.end) {
                let event = Event::PeriodicTaskDue {
                    tier: ctx.tier,
                    task,
                };
                ctx.queue.schedule(t, event);
            }
        }
    }

    /// Periodic task `task` is due (aws-facts.md 5): the leader, one of the
    /// InService instances that answer (a failed one cannot keep its lead in the
    /// DynamoDB table), sends its message; with none, none leads, and the task is
    /// missed this time. Then its next time.
    pub(super) fn on_periodic_task_due(&mut self, ctx: &mut Ctx<'_>, task: u16) {
        let instances = &self.fleet.instances;
        let leader = self.fleet.alive.iter().any(|&id| {
            let i = &instances[id as usize];
            i.state == InstanceState::InService && !i.failed
        });
        let queue = self.queue();
        queue.periodic_task_due(ctx.now, task, leader);
        if let Some(t) = queue.next_periodic(task, ctx.now, ctx.end) {
            let event = Event::PeriodicTaskDue {
                tier: ctx.tier,
                task,
            };
            ctx.queue.schedule(t, event);
        }
        if leader {
            self.pump(ctx);
        }
    }

    /// Idle connections receive visible messages, one each, until no message is
    /// visible or no InService instance has a connection free. The instance with the
    /// fewest messages in flight receives first (the one whose long polls are most
    /// numerous; ties to the earliest launched): a deterministic stand-in for SQS's
    /// choice among the polls waiting.
    pub(super) fn pump(&mut self, ctx: &mut Ctx<'_>) {
        loop {
            let Some(queue) = self.sqs.as_ref() else {
                return;
            };
            if queue.visible() == 0 {
                return;
            }
            let instances = &self.fleet.instances;
            let Some(id) = self
                .fleet
                .alive
                .iter()
                .copied()
                .filter(|&id| {
                    let i = &instances[id as usize];
                    i.state == InstanceState::InService
                        && !i.failed
                        && queue.has_free_connection(id)
                })
                .min_by_key(|&id| queue.in_flight_on(id))
            else {
                return;
            };
            let queue = self.sqs.as_mut().expect("a queue");
            let Some((received, due)) = queue.receive(ctx.now, id) else {
                return;
            };
            if let Some((at, message, turn)) = due {
                let event = Event::MessageVisible {
                    tier: ctx.tier,
                    message,
                    turn,
                };
                ctx.queue.schedule(at, event);
            }
            if let Received::Deliver {
                slot,
                service_nanos,
            } = received
            {
                let caller = Caller::delivery(ctx.tier, slot, id);
                let (fleet, metrics) = (&mut self.fleet, &mut self.metrics);
                self.serving
                    .post(fleet, metrics, ctx, caller, id, service_nanos);
            }
        }
    }

    /// The application answered `sqsd`'s delivery `slot`: 200 deletes the message;
    /// an error or `sqsd`'s inactivity timeout (the tier's `service.timeout`, a 504)
    /// makes it visible after the error visibility timeout; an instance that stopped
    /// or failed answers nothing, and the message waits out its visibility timeout.
    pub(super) fn delivery_answered(&mut self, ctx: &mut Ctx<'_>, slot: u32, answer: Answer) {
        let ok = answer == Answer::Ok;
        let cut_off = answer == Answer::Interrupted;
        let due = self.queue().answered(ctx.now, slot, ok, cut_off);
        if let Some((at, message, turn)) = due {
            let event = Event::MessageVisible {
                tier: ctx.tier,
                message,
                turn,
            };
            ctx.queue.schedule(at, event);
        }
        self.pump(ctx);
    }

    /// A message's visibility timeout ran out.
    pub(super) fn on_message_visible(&mut self, ctx: &mut Ctx<'_>, message: u32, turn: u32) {
        if self.queue().visibility_ended(message, turn) {
            self.pump(ctx);
        }
    }

    /// The queue's metrics for the period's datapoint (aws-facts.md 12.5, 12.6):
    /// visible messages, and over the InService instances.
    pub(super) fn queue_sample(&mut self, ctx: &Ctx<'_>, sample: &mut MetricSample) {
        let Some(queue) = self.sqs.as_mut() else {
            return;
        };
        queue.purge_expired(ctx.now);
        let visible = queue.visible() as f64;
        let in_service = self.fleet.in_service;
        sample.messages_visible = Some(visible);
        sample.backlog_per_instance = Some(visible / f64::from(in_service.max(1)));
        sample.in_service = in_service;
    }
}
