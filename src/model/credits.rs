//! CPU credits of a burstable instance (T2, T3, T3a, T4g; aws-facts.md 20.5): the
//! balance it earns, what its CPU use spends, and what happens when the balance is
//! empty — throttling to the baseline (`standard`) or surplus credits, billed
//! (`unlimited`).
//!
//! **Units.** 1 credit is 1 vCPU at 100 % for 1 minute (20.5). The instance's CPU
//! use is the one the CPU metric reads: the workers computing (holding a request
//! and not waiting on a call) over all its workers, so `c` computing workers of `w`
//! on `n` vCPUs spend `c / w × n` credits a minute, and the instance earns
//! `credits_per_hour / 60` a minute (`baseline × n`).
//!
//! **Exact, and lazy.** Between two changes of `c` every rate is constant, so the
//! balance is piecewise linear in time; [`Credits::advance`] carries it across such
//! an interval in closed form, through each regime it crosses: T2's launch credits
//! are spent first (they are outside the 24-hour limit, 20.5), earnings beyond the
//! limit are lost, and an empty balance either throttles (standard) or borrows
//! surplus credits (unlimited). It is called when `c` changes
//! (`Instance::set_busy`, `set_blocked`) and when something reads the balance, never
//! on a clock tick; nothing here exists for an instance of a type that does not
//! burst.
//!
//! **Throttling (standard mode).** With an empty balance and a demand `u = c / w`
//! above the baseline share `b`, the hypervisor caps the instance at its baseline
//! (20.5: "throttled to its baseline"). The model: every computing worker then runs
//! at the speed `s = b / u`, so the instance spends exactly what it earns and its
//! balance stays at zero; below the baseline it runs at full speed and earns again.
//! A request's work is a number of nanoseconds at full speed; the instance keeps a
//! virtual clock `V` (work done per computing worker, `dV/dt = s`), a request that
//! starts at `V0` ends when `V = V0 + work`, and so a change of speed stretches the
//! remaining work of every request in service, exactly. Such an instance therefore
//! keeps its requests in service here ([`Job`]) rather than as end-of-service events
//! on the queue, and asks for one `CreditsDue` event at a time: the next end of
//! service, the next idle timeout of a request in service, or the moment its balance
//! runs out (speed changes only then, or when `c` changes). The rejected
//! alternative — stretching only requests that start while throttled — would let the
//! instance spend credits it does not have.
//!
//! **Surplus (unlimited mode).** Beyond an empty balance the instance spends surplus
//! credits; later earnings pay them down before the balance grows again. The surplus
//! that earnings have not paid down is billed at the surplus price when the instance
//! stops (terminated, or still running at the end of the run), and any surplus
//! beyond 24 hours of earnings is billed at once: AWS's "no charge if the average
//! over a rolling 24 h is at or below the baseline, otherwise a flat rate per
//! vCPU-hour" (20.5, `burstable-performance-instances-unlimited-mode-concepts.md`).
//!
//! What it does not model: a credit balance surviving a stop and start (the group
//! here only launches and terminates; a terminated instance loses its credits,
//! 20.5), the CPU metric showing the throttled use (the scaling metric keeps reading
//! the workers' demand, which is what rises when requests stretch), and credits of
//! spot pool types other than the group's own.

use super::calls::Handle;
use crate::engine::SimTime;

/// Nanoseconds per minute: credits are vCPU-minutes.
const NANOS_PER_MINUTE: f64 = 60e9;

/// A burstable type's rates, as an instance uses them (`CreditsConfig` in the
/// config).
#[derive(Clone, Copy, Debug)]
pub(super) struct CreditSpec {
    /// Credits earned per nanosecond.
    earn: f64,
    /// Credits one computing worker spends per nanosecond at full speed.
    per_worker: f64,
    max_balance: f64,
    launch_credits: f64,
    pub unlimited: bool,
}

impl CreditSpec {
    pub(super) fn new(config: &super::config::CreditsConfig, workers: u32) -> Self {
        CreditSpec {
            earn: config.credits_per_hour / 60.0 / NANOS_PER_MINUTE,
            per_worker: f64::from(config.vcpu) / f64::from(workers.max(1)) / NANOS_PER_MINUTE,
            max_balance: config.max_balance,
            launch_credits: config.launch_credits,
            unlimited: config.unlimited,
        }
    }
}

/// A request in service on a standard-mode instance.
#[derive(Clone, Copy, Debug)]
pub(super) struct Job {
    /// The virtual time `V` at which its work is done.
    finish: f64,
    pub arrived_at: SimTime,
    /// Answered 504 while it waited in the queue.
    pub timed_out: bool,
    /// Answered 504 while in service (its idle timeout passed).
    pub late: bool,
    pub handle: Handle,
}

/// One instance's credits.
#[derive(Debug)]
pub(super) struct Credits {
    spec: CreditSpec,
    at: SimTime,
    computing: u32,
    /// T2 launch credits left.
    launch: f64,
    /// Earned credits, at most `max_balance`.
    balance: f64,
    /// Unlimited: surplus credits spent and not yet paid down (or billed).
    surplus: f64,
    /// Credits spent in all (balance, launch and surplus).
    pub spent: f64,
    /// Surplus credits spent in all.
    pub surplus_spent: f64,
    /// Surplus credits billed so far (beyond 24 h of earnings, or at the stop).
    pub charged: f64,
    /// Time spent throttled, in nanoseconds.
    pub throttled_nanos: f64,
    /// The virtual clock: work done per computing worker, in nanoseconds.
    work: f64,
    /// Standard mode: the requests in service, in the order they started.
    pub jobs: Vec<Job>,
    /// The `CreditsDue` event that counts, and its time.
    pub generation: u32,
    scheduled: Option<SimTime>,
}

impl Credits {
    pub(super) fn new(spec: CreditSpec, now: SimTime) -> Self {
        Credits {
            spec,
            at: now,
            computing: 0,
            launch: spec.launch_credits,
            balance: 0.0,
            surplus: 0.0,
            spent: 0.0,
            surplus_spent: 0.0,
            charged: 0.0,
            throttled_nanos: 0.0,
            work: 0.0,
            jobs: Vec::new(),
            generation: 0,
            scheduled: None,
        }
    }

    /// Standard mode keeps its requests in service here (see the module doc).
    #[inline]
    pub(super) fn throttles(&self) -> bool {
        !self.spec.unlimited
    }

    /// Sets the balance (the instances in service at t = 0).
    pub(super) fn set_balance(&mut self, balance: f64) {
        self.balance = balance.min(self.spec.max_balance);
    }

    /// The credits the instance holds: launch credits and its balance.
    pub(super) fn balance(&self) -> f64 {
        self.launch + self.balance
    }

    /// Surplus spent and not yet paid down or billed.
    pub(super) fn outstanding_surplus(&self) -> f64 {
        self.surplus
    }

    /// Bills the outstanding surplus (the instance stops): returns it.
    pub(super) fn settle(&mut self) -> f64 {
        let owed = self.surplus;
        self.charged += owed;
        self.surplus = 0.0;
        owed
    }

    /// Credits spent per nanosecond at full speed.
    #[inline]
    fn demand(&self) -> f64 {
        f64::from(self.computing) * self.spec.per_worker
    }

    /// Throttled now: standard mode, nothing to spend, demand above the baseline.
    pub(super) fn is_throttled(&self) -> bool {
        !self.spec.unlimited
            && self.launch == 0.0
            && self.balance == 0.0
            && self.demand() > self.spec.earn
    }

    /// The speed of each computing worker now (1 unless throttled).
    fn speed(&self) -> f64 {
        if self.is_throttled() {
            self.spec.earn / self.demand()
        } else {
            1.0
        }
    }

    /// Earnings pay the surplus down first, then fill the balance up to its limit.
    fn earn(&mut self, mut credits: f64) {
        let paid = credits.min(self.surplus);
        self.surplus -= paid;
        credits -= paid;
        self.balance = (self.balance + credits).min(self.spec.max_balance);
    }

    /// The number of computing workers changes now.
    #[inline]
    pub(super) fn set_computing(&mut self, now: SimTime, computing: u32) {
        self.advance(now);
        self.computing = computing;
    }

    /// Carries the credits (and the virtual clock) to `now` at the current demand,
    /// through every regime the interval crosses.
    pub(super) fn advance(&mut self, now: SimTime) {
        let mut t = now.since(self.at).0 as f64;
        self.at = now;
        if t <= 0.0 {
            return;
        }
        let (d, e) = (self.demand(), self.spec.earn);
        // Launch credits are spent first (20.5), while the balance earns.
        if self.launch > 0.0 && d > 0.0 {
            let until_empty = self.launch / d;
            let step = t.min(until_empty);
            self.launch = if step >= until_empty {
                0.0
            } else {
                self.launch - d * step
            };
            self.earn(e * step);
            self.spent += d * step;
            self.work += step;
            t -= step;
        }
        if t <= 0.0 {
            return;
        }
        if d <= e {
            self.earn((e - d) * t);
            self.spent += d * t;
            self.work += t;
            return;
        }
        // Spending faster than earning: the balance falls at `d - e`.
        let r = d - e;
        let until_empty = self.balance / r;
        let step = t.min(until_empty);
        self.balance = if step >= until_empty {
            0.0
        } else {
            self.balance - r * step
        };
        self.spent += d * step;
        self.work += step;
        t -= step;
        if t <= 0.0 {
            return;
        }
        if self.spec.unlimited {
            self.surplus += r * t;
            self.surplus_spent += r * t;
            self.spent += d * t;
            self.work += t;
            // Beyond 24 hours of earnings the surplus is billed at once (module doc).
            if self.surplus > self.spec.max_balance {
                self.charged += self.surplus - self.spec.max_balance;
                self.surplus = self.spec.max_balance;
            }
        } else {
            // Capped at the baseline: it spends what it earns, at speed e / d.
            self.spent += e * t;
            self.throttled_nanos += t;
            self.work += e / d * t;
        }
    }

    /// Nanoseconds from now until the balance runs out at the current demand, when
    /// that changes the speed (standard mode, spending above the baseline).
    fn until_throttled(&self) -> Option<f64> {
        let (d, e) = (self.demand(), self.spec.earn);
        if self.spec.unlimited || d <= e || self.is_throttled() {
            return None;
        }
        let launch_time = self.launch / d;
        let balance = (self.balance + e * launch_time).min(self.spec.max_balance);
        Some(launch_time + balance / (d - e))
    }

    /// A request starts its `service_nanos` of work now (standard mode).
    pub(super) fn start(&mut self, now: SimTime, service_nanos: u64, job: Job) {
        self.advance(now);
        self.jobs.push(Job {
            finish: self.work + service_nanos as f64,
            ..job
        });
    }

    /// A job as `start` takes it.
    pub(super) fn job(arrived_at: SimTime, timed_out: bool, handle: Handle) -> Job {
        Job {
            finish: 0.0,
            arrived_at,
            timed_out,
            late: false,
            handle,
        }
    }

    /// When something next happens to the instance's requests or speed: a request's
    /// work done, its idle timeout (`timeout` after arrival), or the balance running
    /// out.
    fn next_due(&self, timeout: u64) -> Option<SimTime> {
        let speed = self.speed();
        let mut due = self.until_throttled().map(|t| self.at.0 + t.ceil() as u64);
        for job in &self.jobs {
            let left = ((job.finish - self.work).max(0.0) / speed).ceil() as u64;
            let end = self.at.0 + left;
            due = Some(due.map_or(end, |d| d.min(end)));
            if !job.timed_out && !job.late {
                let deadline = job.arrived_at.0 + timeout;
                due = Some(due.map_or(deadline, |d| d.min(deadline)));
            }
        }
        due.map(SimTime)
    }

    /// The `CreditsDue` event to schedule, if the next due time is earlier than the
    /// one already on the queue (a later one finds the earlier event, which asks
    /// again): its time and generation. Call after a change, advanced to now.
    pub(super) fn reschedule(&mut self, timeout: u64) -> Option<(SimTime, u32)> {
        let due = self.next_due(timeout)?.max(self.at);
        if self.scheduled.is_some_and(|s| s <= due) {
            return None;
        }
        self.generation = self.generation.wrapping_add(1);
        self.scheduled = Some(due);
        Some((due, self.generation))
    }

    /// The `CreditsDue` event of `generation` fired now: whether it is the one that
    /// counts (then no event is on the queue any more).
    pub(super) fn fired(&mut self, generation: u32) -> bool {
        if generation != self.generation || self.scheduled.is_none() {
            return false;
        }
        self.scheduled = None;
        true
    }

    /// Takes out the requests whose work is done (advanced to now), in order of
    /// their end, then of their start.
    pub(super) fn take_done(&mut self) -> Vec<Job> {
        // Half a nanosecond of work: the due time was rounded up to a nanosecond.
        let done_by = self.work + 0.5;
        let mut done: Vec<Job> = Vec::new();
        self.jobs.retain(|job| {
            let finished = job.finish <= done_by;
            if finished {
                done.push(*job);
            }
            !finished
        });
        done.sort_by(|a, b| a.finish.total_cmp(&b.finish));
        done
    }

    /// Marks the requests in service whose idle timeout has passed at `now` as
    /// answered 504 and returns their handles.
    pub(super) fn take_late(&mut self, now: SimTime, timeout: u64) -> Vec<Handle> {
        let mut late = Vec::new();
        for job in &mut self.jobs {
            if !job.timed_out && !job.late && job.arrived_at.0 + timeout <= now.0 {
                job.late = true;
                late.push(job.handle);
            }
        }
        late
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::CreditsConfig;

    fn t3_medium(unlimited: bool) -> CreditSpec {
        // 24 credits an hour on 2 vCPUs (aws-facts.md 20.5), 2 workers.
        let config = CreditsConfig {
            unlimited,
            credits_per_hour: 24.0,
            vcpu: 2,
            max_balance: 576.0,
            launch_credits: 0.0,
            initial_credits: 0.0,
            surplus_price_per_vcpu_hour: 0.05,
        };
        CreditSpec::new(&config, 2)
    }

    const MINUTE: u64 = 60_000_000_000;

    /// Both workers busy: 2 credits a minute spent, 0.4 earned, so 576 credits last
    /// 576 / 1.6 = 360 minutes; then throttled at speed 0.2 / 1 = 0.2.
    #[test]
    fn standard_runs_out_then_throttles() {
        let mut c = Credits::new(t3_medium(false), SimTime::ZERO);
        c.set_balance(576.0);
        c.set_computing(SimTime::ZERO, 2);
        let out = c.until_throttled().unwrap();
        assert!((out - 360.0 * MINUTE as f64).abs() < 1.0);
        c.advance(SimTime(400 * MINUTE));
        assert!(c.is_throttled());
        assert!((c.throttled_nanos - 40.0 * MINUTE as f64).abs() < 1.0);
        assert!((c.speed() - 0.2).abs() < 1e-12);
        // 360 min at 2 a minute, then 40 min at the earning rate 0.4.
        assert!((c.spent - (720.0 + 16.0)).abs() < 1e-6);
        // Idle: it earns again, and is no longer throttled.
        c.set_computing(SimTime(400 * MINUTE), 0);
        c.advance(SimTime(410 * MINUTE));
        assert!((c.balance() - 4.0).abs() < 1e-9 && !c.is_throttled());
    }

    /// One worker of two busy = 50 % CPU of 2 vCPUs = 1 credit a minute, against 0.4
    /// earned: 0.6 surplus credits a minute from an empty balance; an idle hour then
    /// pays 24 of them down.
    #[test]
    fn unlimited_borrows_surplus_and_pays_it_down() {
        let mut c = Credits::new(t3_medium(true), SimTime::ZERO);
        c.set_computing(SimTime::ZERO, 1);
        c.set_computing(SimTime(100 * MINUTE), 0);
        assert!((c.outstanding_surplus() - 60.0).abs() < 1e-9);
        c.advance(SimTime(160 * MINUTE));
        assert!((c.outstanding_surplus() - 36.0).abs() < 1e-9);
        assert!((c.surplus_spent - 60.0).abs() < 1e-9);
        assert_eq!(c.balance(), 0.0);
        assert!((c.settle() - 36.0).abs() < 1e-9);
    }
}
