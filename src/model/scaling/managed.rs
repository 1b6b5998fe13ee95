//! An ECS capacity provider's managed scaling (aws-facts.md 15.5): the target
//! tracking policy ECS puts on the Auto Scaling group of container instances, on the
//! metric `CapacityProviderReservation` = M / N × 100 (M instances needed for the
//! tasks running and waiting, N instances running), with `targetCapacity` as its
//! target, evaluated every minute.
//!
//! - Scale-out: after the target-tracking high alarm's 3 consecutive minutes above the
//!   target (3.3: ECS creates a standard target tracking policy), to the proportional
//!   capacity `ceil(M × 100 / target)`, in a step of at least
//!   `minimumScalingStepSize` and at most `maximumScalingStepSize` instances. A
//!   further step waits until every new instance has passed `instanceWarmupPeriod`.
//!   With no instance running and tasks waiting, the metric is 200 %.
//! - Scale-in: after 15 consecutive minutes below the target (the low alarm's 15
//!   datapoints, 15.5), desired capacity falls each minute the alarm still fires,
//!   gradually: "greater than one instance and less than 50 %" per minute, read as at
//!   most `max(1, (N - 1) / 2)` instances a minute; never while an instance warms up,
//!   and never below the proportional capacity.

use crate::model::config::ClusterConfig;

/// Consecutive datapoints the alarms need (aws-facts.md 3.3, 15.5).
const SCALE_OUT_DATAPOINTS: u32 = 3;
const SCALE_IN_DATAPOINTS: u32 = 15;

pub(crate) struct ManagedScaling {
    target: f64,
    min_step: u32,
    max_step: u32,
    /// Consecutive minutes above and below the target.
    high: u32,
    low: u32,
}

impl ManagedScaling {
    pub(crate) fn new(config: &ClusterConfig) -> Self {
        ManagedScaling {
            target: config.target_capacity,
            min_step: config.minimum_scaling_step_size,
            max_step: config.maximum_scaling_step_size,
            high: 0,
            low: 0,
        }
    }

    /// CapacityProviderReservation, percent, for `needed` of `running` instances.
    pub(crate) fn reservation(needed: u32, running: u32) -> f64 {
        match (needed, running) {
            (0, 0) => 100.0,
            (_, 0) => 200.0,
            _ => 100.0 * f64::from(needed) / f64::from(running),
        }
    }

    /// Reads one minute's metric: `needed` and `running` instances, `warming` of them
    /// still in their warm-up; returns the group's new desired capacity if it
    /// changes (before the group's min and max).
    pub(crate) fn evaluate(
        &mut self,
        needed: u32,
        running: u32,
        warming: u32,
        desired: u32,
    ) -> Option<u32> {
        let value = Self::reservation(needed, running);
        if value > self.target {
            (self.high, self.low) = (self.high + 1, 0);
        } else if value < self.target {
            (self.high, self.low) = (0, self.low + 1);
        } else {
            (self.high, self.low) = (0, 0);
        }
        // A small epsilon keeps 3 * 100 / 75 = 4.0000000000000001 from rounding to 5.
        let proportional = (f64::from(needed) * 100.0 / self.target - 1e-9)
            .ceil()
            .max(0.0) as u32;
        if warming > 0 {
            return None;
        }
        if self.high >= SCALE_OUT_DATAPOINTS && proportional > desired {
            let step = (proportional - desired).clamp(self.min_step, self.max_step);
            return Some(desired + step);
        }
        if self.low >= SCALE_IN_DATAPOINTS && proportional < desired {
            let most = 1.max(running.saturating_sub(1) / 2);
            return Some(desired - (desired - proportional).min(most));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    fn policy(target: f64, min_step: u32, max_step: u32) -> ManagedScaling {
        ManagedScaling::new(&ClusterConfig {
            min: 1,
            max: 100,
            desired: 1,
            target_capacity: target,
            instance_warmup: SimDuration::from_secs(300),
            minimum_scaling_step_size: min_step,
            maximum_scaling_step_size: max_step,
            managed_termination_protection: false,
        })
    }

    /// The deep-dive example: 3 instances needed of 2 running is 150 %; at target 100
    /// the group goes to 3 on the third minute; at target 75, to 4 (3 / 0.75).
    #[test]
    fn scales_out_to_the_proportional_capacity_on_the_third_minute() {
        assert_eq!(ManagedScaling::reservation(3, 2), 150.0);
        assert_eq!(ManagedScaling::reservation(2, 0), 200.0);
        let mut p = policy(100.0, 1, 10_000);
        assert_eq!(p.evaluate(3, 2, 0, 2), None);
        assert_eq!(p.evaluate(3, 2, 0, 2), None);
        assert_eq!(p.evaluate(3, 2, 0, 2), Some(3));
        let mut p = policy(75.0, 1, 10_000);
        for _ in 0..2 {
            p.evaluate(3, 2, 0, 2);
        }
        assert_eq!(p.evaluate(3, 2, 0, 2), Some(4));
    }

    /// Step sizes bound the step; warming instances hold the next one back.
    #[test]
    fn steps_are_bounded_and_wait_for_the_warm_up() {
        let mut p = policy(100.0, 1, 2);
        for _ in 0..2 {
            p.evaluate(10, 2, 0, 2);
        }
        assert_eq!(p.evaluate(10, 2, 0, 2), Some(4), "at most 2 at a time");
        assert_eq!(p.evaluate(10, 4, 2, 4), None, "2 instances warming");
        assert_eq!(p.evaluate(10, 4, 0, 4), Some(6));
        let mut p = policy(100.0, 3, 10);
        for _ in 0..2 {
            p.evaluate(3, 2, 0, 2);
        }
        assert_eq!(p.evaluate(3, 2, 0, 2), Some(5), "at least 3 at a time");
    }

    /// 2 of 6 instances empty: 67 % for 15 minutes, then at most (6 - 1) / 2 = 2 a
    /// minute, down to the 4 needed.
    #[test]
    fn scales_in_after_fifteen_minutes_gradually() {
        let mut p = policy(100.0, 1, 10_000);
        for _ in 0..14 {
            assert_eq!(p.evaluate(4, 6, 0, 6), None);
        }
        assert_eq!(p.evaluate(4, 6, 0, 6), Some(4));
        let mut p = policy(100.0, 1, 10_000);
        for _ in 0..14 {
            p.evaluate(1, 10, 0, 10);
        }
        assert_eq!(
            p.evaluate(1, 10, 0, 10),
            Some(6),
            "4 of 10 in the first minute"
        );
        assert_eq!(p.evaluate(1, 6, 0, 6), Some(4));
        assert_eq!(p.evaluate(1, 4, 0, 4), Some(3));
        assert_eq!(p.evaluate(1, 3, 0, 3), Some(2));
        assert_eq!(p.evaluate(1, 2, 0, 2), Some(1));
        // At target 90, 9 needed of 10 running is 90 %: steady.
        let mut p = policy(90.0, 1, 10_000);
        for _ in 0..60 {
            assert_eq!(p.evaluate(9, 10, 0, 10), None);
        }
    }
}
