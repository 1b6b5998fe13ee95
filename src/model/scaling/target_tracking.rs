//! Target tracking scaling (aws-facts.md 3.3): keeps a metric near a target through
//! two managed alarms.
//!
//! The group scales out after 3 consecutive periods above the target and in after 15
//! consecutive periods below 90 % of it (the managed low alarm sits about 10 % under
//! the target, so that a fleet just under its target does not flap). The new capacity
//! is proportional, `instances * metric / target`, where `instances` are the ones the
//! metric describes: the warm instances whose CPU is averaged, or the registered
//! targets the request count is divided by. AWS rounds the change toward fewer
//! instances moved: up when adding (1.5 → 2 added) and down when removing ("if
//! removing 1.5 instances increases your CPU utilization to above 50 percent, we remove
//! just one"), so the new capacity is `ceil` of the proportional value both ways. 2
//! instances at 37.5 % with target 50 ask for 1.5 and keep 2.
//!
//! Unlike step and simple scaling, a target tracking policy with scale-in enabled
//! vetoes scale-in: the group removes instances only if it wants in too (3.3).

use super::{DynamicPolicy, MetricSample, Proposal};
use crate::model::config::ScalingMetric;

/// Datapoints after which the target-tracking alarms fire (aws-facts.md 3.3).
const SCALE_OUT_DATAPOINTS: u32 = 3;
const SCALE_IN_DATAPOINTS: u32 = 15;
/// The managed low alarm's threshold as a fraction of the target (aws-facts.md 3.3).
const SCALE_IN_THRESHOLD: f64 = 0.9;

pub(super) struct TargetTracking {
    metric: ScalingMetric,
    target: f64,
    disable_scale_in: bool,
    /// Consecutive periods above the target (the high alarm's streak).
    high: u32,
    /// Consecutive periods below the low alarm's threshold.
    low: u32,
}

impl TargetTracking {
    pub(super) fn new(metric: ScalingMetric, target: f64, disable_scale_in: bool) -> Self {
        TargetTracking {
            metric,
            target,
            disable_scale_in,
            high: 0,
            low: 0,
        }
    }
}

impl DynamicPolicy for TargetTracking {
    fn evaluate(&mut self, sample: &MetricSample, desired: u32) -> Proposal {
        // A missing datapoint (INSUFFICIENT_DATA) breaks both alarms' streaks.
        let Some(value) = sample.value(self.metric) else {
            (self.high, self.low) = (0, 0);
            return Proposal::None;
        };
        if value > self.target {
            (self.high, self.low) = (self.high + 1, 0);
        } else if value < SCALE_IN_THRESHOLD * self.target {
            (self.high, self.low) = (0, self.low + 1);
        } else {
            (self.high, self.low) = (0, 0);
        }
        // Proportional capacity for the instances the metric describes, rounded up
        // both ways (module docs). A small epsilon keeps 2 * 75 / 50 =
        // 3.0000000000000004 from rounding up to 4.
        let proportional = |instances: u32| {
            (f64::from(instances.max(1)) * value / self.target - 1e-9).ceil() as u32
        };
        let described = sample.described(self.metric);
        if self.high >= SCALE_OUT_DATAPOINTS {
            let wanted = proportional(described);
            if wanted > desired {
                return Proposal::Out(wanted);
            }
        } else if self.low >= SCALE_IN_DATAPOINTS && !self.disable_scale_in && sample.warming == 0 {
            let wanted = proportional(described + sample.terminating);
            if wanted < desired {
                return Proposal::In(wanted);
            }
        }
        Proposal::None
    }

    fn vetoes_scale_in(&self) -> bool {
        !self.disable_scale_in
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{cpu, group, group_with};
    use super::*;
    use crate::model::config::ScalingPolicy;

    /// 2 instances at 90 % with target 50: 2 * 90 / 50 = 3.6, rounded up to 4, and only
    /// on the third consecutive breaching minute.
    #[test]
    fn scales_out_after_three_breaches_rounding_up() {
        let mut g = group(1, 10, 2, 50.0);
        assert_eq!(g.evaluate(&cpu(90.0, 2, 0)), None);
        assert_eq!(g.evaluate(&cpu(90.0, 2, 0)), None);
        assert_eq!(g.evaluate(&cpu(90.0, 2, 0)), Some(4));
        // The new instances are warming: the same reading asks for 4 again, no change.
        assert_eq!(g.evaluate(&cpu(90.0, 2, 2)), None);
    }

    #[test]
    fn just_under_the_target_is_not_low() {
        let mut g = group(1, 10, 3, 50.0);
        for _ in 0..30 {
            assert_eq!(g.evaluate(&cpu(46.0, 3, 0)), None);
        }
    }

    /// 4 instances at 30 % with target 50: 4 * 30 / 50 = 2.4 instances are needed, so
    /// AWS removes 1.6 rounded down to 1 (new capacity 3, not 2), only after 15 low
    /// minutes, and not while an instance is warming (issue 11).
    #[test]
    fn scales_in_after_fifteen_low_periods_removing_whole_instances_only() {
        let mut g = group(1, 10, 4, 50.0);
        for _ in 0..14 {
            assert_eq!(g.evaluate(&cpu(30.0, 4, 0)), None);
        }
        assert_eq!(g.evaluate(&cpu(30.0, 3, 1)), None, "blocked by warm-up");
        assert_eq!(g.evaluate(&cpu(30.0, 4, 0)), Some(3));
    }

    /// Issue 11: 2 instances at 37.5 % with target 50 need 1.5 instances. Removing one
    /// would put the last at 75 %, above the target, so AWS removes none: the group
    /// keeps 2 however long the low alarm fires (floor would flap 2 → 1 → 2).
    #[test]
    fn a_steady_load_at_three_quarters_of_the_target_on_two_instances_keeps_two() {
        let mut g = group(1, 10, 2, 50.0);
        for _ in 0..600 {
            assert_eq!(g.evaluate(&cpu(37.5, 2, 0)), None);
        }
        assert_eq!(g.desired, 2);
    }

    /// Issue 11: instances still terminating count in the capacity a scale-in starts
    /// from. 4 in service + 2 draining at 30 % with target 50: 6 * 0.6 = 3.6 → 4, the
    /// current desired capacity: nothing more is removed. Once they are gone, 4 * 0.6
    /// = 2.4 → 3.
    #[test]
    fn terminating_instances_count_in_the_capacity_scale_in_starts_from() {
        let mut g = group(1, 10, 4, 50.0);
        let draining = MetricSample {
            terminating: 2,
            ..cpu(30.0, 4, 0)
        };
        for _ in 0..20 {
            assert_eq!(g.evaluate(&draining), None);
        }
        assert_eq!(g.evaluate(&cpu(30.0, 4, 0)), Some(3));
    }

    /// Issue 11: `ALBRequestCountPerTarget` is divided by every registered target,
    /// warming ones included, so the capacity it asks for multiplies it back by the
    /// same count. 4 targets (2 of them warming) at 3,000 requests per target per
    /// minute with target 2,000: 12,000 requests need 6 targets. Multiplying by the 2
    /// warm instances asked for 3, below desired, and the group stalled at 4.
    #[test]
    fn request_count_tracking_counts_the_targets_the_metric_divides_by() {
        let policy = ScalingPolicy::TargetTracking {
            metric: ScalingMetric::RequestCountPerTarget,
            target: 2000.0,
            disable_scale_in: false,
        };
        let mut g = group_with(1, 20, 4, vec![policy]);
        let sample = MetricSample {
            request_count_per_target: Some(3000.0),
            contributing: 2,
            warming: 2,
            targets: 4,
            ..MetricSample::default()
        };
        assert_eq!(g.evaluate(&sample), None);
        assert_eq!(g.evaluate(&sample), None);
        assert_eq!(g.evaluate(&sample), Some(6));
    }

    #[test]
    fn a_missing_datapoint_resets_the_streak() {
        let mut g = group(1, 10, 2, 50.0);
        g.evaluate(&cpu(90.0, 2, 0));
        g.evaluate(&cpu(90.0, 2, 0));
        assert_eq!(g.evaluate(&MetricSample::default()), None);
        assert_eq!(g.evaluate(&cpu(90.0, 2, 0)), None);
    }
}
