//! A warm pool: pre-initialised, stopped instances that join the group faster than new
//! launches (aws-facts.md 3.8).
//!
//! The pool holds `size` instances (by default max - desired, as AWS sizes it). A
//! stopped instance pays only its storage (EBS); one that leaves the pool starts in
//! `start_time` instead of the full `boot_time`, and is billed as a normal instance
//! from then on. The pool refills by launching an instance that runs through its boot
//! (billed at the instance price, 60 s minimum) and then stops. On scale-in instances
//! are terminated, not returned to the pool (AWS's default without
//! `ReuseOnScaleIn`). The pool is filled before the run starts.

use super::billing::billed_seconds;
use crate::engine::{SimDuration, SimTime, TimeIntegral};

pub(super) struct WarmPool {
    /// Stopped instances ready to start.
    pub ready: u32,
    /// Instances initialising (running) before they stop in the pool.
    pub initializing: u32,
    /// Integral of `ready` over time, in instance-nanoseconds.
    stopped_area: TimeIntegral,
    /// Seconds billed for initialising instances.
    pub initialization_secs: u64,
    pub launched_from_pool: u64,
}

impl WarmPool {
    pub(super) fn new(ready: u32) -> Self {
        WarmPool {
            ready,
            initializing: 0,
            stopped_area: TimeIntegral::starting_at(SimTime::ZERO),
            initialization_secs: 0,
            launched_from_pool: 0,
        }
    }

    fn set_ready(&mut self, ready: u32, now: SimTime) {
        self.stopped_area.advance(now, u64::from(self.ready));
        self.ready = ready;
    }

    /// Takes a stopped instance out of the pool, if there is one.
    pub(super) fn take(&mut self, now: SimTime) -> bool {
        if self.ready == 0 {
            return false;
        }
        self.set_ready(self.ready - 1, now);
        self.launched_from_pool += 1;
        true
    }

    /// Starts initialising a new pool instance that boots for `boot`.
    pub(super) fn start_initializing(&mut self, boot: SimDuration) {
        self.initializing += 1;
        self.initialization_secs += billed_seconds(boot);
    }

    /// An initialising instance has stopped in the pool.
    pub(super) fn initialized(&mut self, now: SimTime) {
        self.initializing -= 1;
        self.set_ready(self.ready + 1, now);
    }

    /// Stopped instance-hours up to `now`.
    pub(super) fn stopped_hours(&self, now: SimTime) -> f64 {
        let area = self.stopped_area.at(now, u64::from(self.ready));
        area as f64 / SimDuration::HOUR.0 as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two stopped instances for an hour, one taken at 30 min: 1.5 stopped
    /// instance-hours; a refill that boots 45 s is billed the 60 s minimum. (The
    /// prices are applied in `billing`.)
    #[test]
    fn stopped_hours_and_initialisation_seconds_are_counted() {
        let mut pool = WarmPool::new(2);
        assert!(pool.take(SimTime::from_secs(1800)));
        pool.start_initializing(SimDuration::from_secs(45));
        assert!((pool.stopped_hours(SimTime::from_secs(3600)) - 1.5).abs() < 1e-12);
        assert_eq!(pool.initialization_secs, 60);
        assert!(!WarmPool::new(0).take(SimTime::ZERO));
    }
}
