//! Burstable instances across the tier (aws-facts.md 20.5): the `CreditsDue` event of
//! a standard-mode instance (its stretched requests ending, their idle timeouts, its
//! balance running out), the initial balance, and the credits' figures for the
//! timeline and the summary. The credits themselves are `model/credits.rs`.

use super::Ec2Tier;
use crate::engine::SimTime;
use crate::model::calls::Handle;
use crate::model::instance::InstanceState;
use crate::model::outcome::{CreditsSummary, TimelineRow, round_to};
use crate::model::sim::Ctx;

impl Ec2Tier<'_> {
    /// Whether the group's instances earn CPU credits.
    pub(super) fn bursts(&self) -> bool {
        self.config.instance.credits.is_some()
    }

    /// The instances in service at t = 0 have been running: they start with the
    /// scenario's `initial_credits`.
    pub(super) fn set_initial_credits(&mut self, id: u32) {
        let Some(config) = &self.config.instance.credits else {
            return;
        };
        if let Some(c) = &mut self.fleet.instances[id as usize].credits {
            c.set_balance(config.initial_credits);
        }
    }

    /// The `CreditsDue` event of `generation` for instance `id`: the requests whose
    /// stretched work is done are served (in the order they end), those in service
    /// past the idle timeout answered 504, and the next event asked for.
    pub(super) fn on_credits_due(&mut self, ctx: &mut Ctx<'_>, id: u32, generation: u32) {
        let timeout = self.config.service.timeout.0;
        let instance = &mut self.fleet.instances[id as usize];
        if instance.state == InstanceState::Terminated {
            return;
        }
        let Some(credits) = &mut instance.credits else {
            return;
        };
        if !credits.fired(generation) {
            return;
        }
        credits.advance(ctx.now);
        let done = credits.take_done();
        for job in done {
            self.on_served(ctx, id, job.arrived_at, job.timed_out, job.handle);
        }
        let instance = &mut self.fleet.instances[id as usize];
        if instance.state == InstanceState::Terminated {
            return;
        }
        let late: Vec<Handle> = match &mut instance.credits {
            Some(c) => c.take_late(ctx.now, timeout),
            None => Vec::new(),
        };
        for handle in late {
            let (fleet, metrics) = (&mut self.fleet, &mut self.metrics);
            self.serving.timed_out(fleet, metrics, ctx, id, handle);
        }
        let instance = &mut self.fleet.instances[id as usize];
        self.serving.credits_changed(ctx, instance);
    }

    /// The credits' columns of a timeline row at `now`: the mean balance of the
    /// instances alive, and how many are throttled.
    pub(super) fn credit_columns(&mut self, now: SimTime, row: &mut TimelineRow) {
        if !self.bursts() {
            return;
        }
        let (mut sum, mut count, mut throttled) = (0.0, 0u32, 0u32);
        for &id in &self.fleet.alive {
            if let Some(c) = &mut self.fleet.instances[id as usize].credits {
                c.advance(now);
                sum += c.balance();
                count += 1;
                throttled += u32::from(c.is_throttled());
            }
        }
        row.credit_balance = Some(if count == 0 {
            0.0
        } else {
            round_to(sum / f64::from(count), 3)
        });
        row.throttled = Some(throttled);
    }

    /// The summary's credits at `end`, the instances still alive included (their
    /// outstanding surplus billed as at a stop).
    pub(super) fn credits_summary(&mut self, end: SimTime) -> Option<CreditsSummary> {
        if !self.bursts() {
            return None;
        }
        let [mut spent, mut surplus, mut charged, mut throttled] = self.fleet.retired_credits;
        for &id in &self.fleet.alive {
            if let Some(c) = &mut self.fleet.instances[id as usize].credits {
                c.advance(end);
                spent += c.spent;
                surplus += c.surplus_spent;
                charged += c.charged + c.outstanding_surplus();
                throttled += c.throttled_nanos;
            }
        }
        Some(CreditsSummary {
            spent: round_to(spent, 3),
            surplus_spent: round_to(surplus, 3),
            surplus_charged: round_to(charged, 3),
            throttled_instance_seconds: round_to(throttled / 1e9, 3),
        })
    }
}
