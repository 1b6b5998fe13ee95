//! The Auto Scaling group's capacity decisions: dynamic policies on metric periods,
//! scheduled actions, and predictive scaling.
//!
//! - Target tracking (aws-facts.md 3.3) keeps a metric near a target through two
//!   managed alarms: scale out after 3 consecutive periods above the target, scale in
//!   after 15 consecutive periods below 90 % of it (the managed low alarm sits about
//!   10 % under the target, so that a fleet just under its target does not flap). The
//!   new capacity is proportional, `instances * metric / target`, where `instances`
//!   are the ones the metric describes: the warm instances whose CPU is averaged, or
//!   the registered targets the request count is divided by. AWS rounds the change
//!   toward fewer instances moved: up when adding (1.5 → 2 added) and down when
//!   removing ("if removing 1.5 instances increases your CPU utilization to above 50
//!   percent, we remove just one"), so the new capacity is `ceil` of the proportional
//!   value both ways. 2 instances at 37.5 % with target 50 ask for 1.5 and keep 2.
//! - Step scaling (3.4) reads a CloudWatch alarm (`datapoints_to_alarm` of the last
//!   `evaluation_periods` breaching) and, every period the alarm is in ALARM, applies
//!   the step whose bounds contain `metric - threshold`: lower bound inclusive and
//!   upper exclusive above the threshold, the reverse below it. Adjustments are
//!   relative to the capacity that is not warming up, so a deeper breach during
//!   warm-up adds only the difference, as AWS's warm-up example describes.
//! - Simple scaling (3.4, 3.5) applies one adjustment, then waits until the scaling
//!   activity has finished and the cooldown (default 300 s) has passed before it
//!   responds to the alarm again.
//! - Percent adjustments round as AWS documents: above 1 down (12.7 → 12), between 0
//!   and 1 to 1, between -1 and 0 to -1, below -1 up (-6.67 → -6), and then at least
//!   `min_adjustment_magnitude` instances.
//!
//! Instances still warming up are left out of the metric but already count in desired
//! capacity; scale-in waits until no instance is warming. "While scaling in, we
//! consider instances that are terminating as part of the current capacity of the
//! group. Therefore, we don't remove more instances from the Auto Scaling group than
//! necessary" (as-scaling-target-tracking.md, as-scaling-simple-step.md): instances
//! still draining count in the capacity a scale-in starts from. With several policies the
//! group scales out if any wants to and in only if none wants out and every target
//! tracking policy (with scale-in enabled) wants in (3.3). Desired always stays within
//! `[min, max]` (3.1); `min >= 1` is enforced by the scenario loader.

pub(crate) mod predictive;

use crate::engine::SimTime;
use crate::model::config::{
    AdjustmentType, Alarm, AutoScalingConfig, Comparison, ScalingMetric, ScalingPolicy,
    ScheduledAction, StepAdjustment,
};
use std::collections::VecDeque;

/// Datapoints after which the target-tracking alarms fire (aws-facts.md 3.3).
pub const SCALE_OUT_DATAPOINTS: u32 = 3;
pub const SCALE_IN_DATAPOINTS: u32 = 15;
/// The managed low alarm's threshold as a fraction of the target (aws-facts.md 3.3).
pub const SCALE_IN_THRESHOLD: f64 = 0.9;

/// One metric period's view of the group, as CloudWatch would publish it.
#[derive(Clone, Copy, Debug, Default)]
pub struct MetricSample {
    /// Average CPU (percent) over instances past warm-up; `None` when there are none.
    pub cpu: Option<f64>,
    /// Requests routed per healthy target per minute; `None` without targets.
    pub request_count_per_target: Option<f64>,
    /// Instances whose CPU makes up the average.
    pub contributing: u32,
    /// Registered targets the request count was divided by (warming ones included:
    /// `ALBRequestCountPerTarget` is a target-group metric).
    pub targets: u32,
    /// Instances terminating (deregistered, draining): part of the current capacity
    /// when scaling in.
    pub terminating: u32,
    /// Active instances not yet contributing (booting, health-checking, warming).
    pub warming: u32,
    /// The group has an activity in progress: instances launching or draining.
    pub activity_in_progress: bool,
    /// When the last scaling activity finished (an instance in service or stopped).
    pub last_activity_end: SimTime,
    pub now: SimTime,
}

impl MetricSample {
    fn value(&self, metric: ScalingMetric) -> Option<f64> {
        match metric {
            ScalingMetric::Cpu => self.cpu,
            ScalingMetric::RequestCountPerTarget => self.request_count_per_target,
        }
    }

    /// The instances a metric's value describes: its average is over them, so the
    /// proportional capacity multiplies it back by the same count.
    fn described(&self, metric: ScalingMetric) -> u32 {
        match metric {
            ScalingMetric::Cpu => self.contributing,
            ScalingMetric::RequestCountPerTarget => self.targets,
        }
    }
}

/// What one policy asks for after a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proposal {
    None,
    Out(u32),
    In(u32),
}

/// The state of an alarm: the last `evaluation_periods` datapoints, breaching or not.
struct AlarmState {
    recent: VecDeque<bool>,
}

impl AlarmState {
    /// Adds a datapoint (missing data does not breach) and says whether the alarm is
    /// in ALARM.
    fn push(&mut self, alarm: &Alarm, value: Option<f64>) -> bool {
        let breach = value.is_some_and(|v| alarm.comparison.breaches(v, alarm.threshold));
        self.recent.push_back(breach);
        if self.recent.len() > alarm.evaluation_periods as usize {
            self.recent.pop_front();
        }
        self.recent.iter().filter(|&&b| b).count() as u32 >= alarm.datapoints_to_alarm
    }
}

enum PolicyState {
    TargetTracking {
        metric: ScalingMetric,
        target: f64,
        disable_scale_in: bool,
        high: u32,
        low: u32,
    },
    Step {
        policy: ScalingPolicy,
        alarm: AlarmState,
    },
    /// `fired_at`: when the last adjustment was made, until the activity and the
    /// cooldown are over.
    Simple {
        policy: ScalingPolicy,
        alarm: AlarmState,
        fired_at: Option<SimTime>,
    },
    /// Predictive scaling acts through [`AutoScalingGroup::set_forecast_floor`].
    Predictive,
}

pub struct AutoScalingGroup {
    pub min: u32,
    pub max: u32,
    pub desired: u32,
    /// The capacity predictive scaling wants for the current hour (0 without).
    forecast_floor: u32,
    policies: Vec<PolicyState>,
}

impl AutoScalingGroup {
    pub fn new(config: &AutoScalingConfig) -> Self {
        let policies = config
            .policy
            .iter()
            .map(|p| match p {
                ScalingPolicy::TargetTracking {
                    metric,
                    target,
                    disable_scale_in,
                } => PolicyState::TargetTracking {
                    metric: *metric,
                    target: *target,
                    disable_scale_in: *disable_scale_in,
                    high: 0,
                    low: 0,
                },
                ScalingPolicy::Step { .. } => PolicyState::Step {
                    policy: p.clone(),
                    alarm: AlarmState {
                        recent: VecDeque::new(),
                    },
                },
                ScalingPolicy::Simple { .. } => PolicyState::Simple {
                    policy: p.clone(),
                    alarm: AlarmState {
                        recent: VecDeque::new(),
                    },
                    fired_at: None,
                },
                ScalingPolicy::Predictive { .. } => PolicyState::Predictive,
            })
            .collect();
        AutoScalingGroup {
            min: config.min,
            max: config.max,
            desired: config.desired,
            forecast_floor: 0,
            policies,
        }
    }

    /// Feeds one period's datapoints to every dynamic policy and returns the new
    /// desired capacity if it changes.
    pub fn evaluate(&mut self, sample: &MetricSample) -> Option<u32> {
        let desired = self.desired;
        let mut out: Option<u32> = None;
        let mut inward: Option<u32> = None;
        let mut veto = false;
        for policy in &mut self.policies {
            let tracking_in_enabled = matches!(
                policy,
                PolicyState::TargetTracking {
                    disable_scale_in: false,
                    ..
                }
            );
            match policy.evaluate(sample, desired) {
                Proposal::Out(n) => out = Some(out.map_or(n, |o| o.max(n))),
                Proposal::In(n) => inward = Some(inward.map_or(n, |i| i.max(n))),
                Proposal::None => veto |= tracking_in_enabled,
            }
        }
        let new = match (out, inward) {
            (Some(n), _) => n,
            (None, Some(n)) if !veto => n,
            _ => return None,
        };
        self.set_desired(new)
    }

    /// Clamps to `[min, max]` and to the forecast floor; returns the new desired
    /// capacity if it changed.
    fn set_desired(&mut self, wanted: u32) -> Option<u32> {
        let floor = self.forecast_floor.min(self.max);
        let new = wanted.max(floor).clamp(self.min, self.max);
        (new != self.desired).then(|| {
            self.desired = new;
            new
        })
    }

    /// A scheduled action sets any of min, max and desired (aws-facts.md 3.10);
    /// desired is then kept within the new bounds.
    pub fn apply_scheduled(&mut self, action: &ScheduledAction) -> Option<u32> {
        if let Some(min) = action.min {
            self.min = min;
        }
        if let Some(max) = action.max {
            self.max = max;
        }
        // A scheduled min above max (or the reverse) is rejected by the loader only
        // within one action; across actions the later bound wins.
        if self.min > self.max {
            self.max = self.min;
        }
        self.set_desired(action.desired.unwrap_or(self.desired))
    }

    /// Predictive scaling for the coming hour: capacity is raised to the forecast and
    /// dynamic policies do not scale in below it until the next forecast; it never
    /// scales in by itself (aws-facts.md 3.9).
    pub fn set_forecast_floor(&mut self, capacity: u32) -> Option<u32> {
        self.forecast_floor = capacity;
        self.set_desired(self.desired.max(capacity))
    }
}

impl PolicyState {
    fn evaluate(&mut self, sample: &MetricSample, desired: u32) -> Proposal {
        match self {
            PolicyState::TargetTracking {
                metric,
                target,
                disable_scale_in,
                high,
                low,
            } => {
                // A missing datapoint (INSUFFICIENT_DATA) breaks both alarms' streaks.
                let Some(value) = sample.value(*metric) else {
                    (*high, *low) = (0, 0);
                    return Proposal::None;
                };
                if value > *target {
                    (*high, *low) = (*high + 1, 0);
                } else if value < SCALE_IN_THRESHOLD * *target {
                    (*high, *low) = (0, *low + 1);
                } else {
                    (*high, *low) = (0, 0);
                }
                // Proportional capacity for the instances the metric describes, rounded
                // up both ways (module docs). A small epsilon keeps 2 * 75 / 50 =
                // 3.0000000000000004 from rounding up to 4.
                let proportional = |instances: u32| {
                    (f64::from(instances.max(1)) * value / *target - 1e-9).ceil() as u32
                };
                let described = sample.described(*metric);
                if *high >= SCALE_OUT_DATAPOINTS {
                    let wanted = proportional(described);
                    if wanted > desired {
                        return Proposal::Out(wanted);
                    }
                } else if *low >= SCALE_IN_DATAPOINTS && !*disable_scale_in && sample.warming == 0 {
                    let wanted = proportional(described + sample.terminating);
                    if wanted < desired {
                        return Proposal::In(wanted);
                    }
                }
                Proposal::None
            }
            PolicyState::Step { policy, alarm } => {
                let ScalingPolicy::Step {
                    alarm: spec,
                    adjustment_type,
                    step,
                    min_adjustment_magnitude,
                } = policy
                else {
                    unreachable!("step state holds a step policy")
                };
                let value = sample.value(spec.metric);
                if !alarm.push(spec, value) {
                    return Proposal::None;
                }
                let Some(value) = value else {
                    return Proposal::None;
                };
                let Some(adjustment) = step_for(step, spec.comparison, value - spec.threshold)
                else {
                    return Proposal::None;
                };
                // Scale-out starts from the warm capacity, scale-in from the capacity
                // that is not terminating yet plus the terminating (module docs).
                let base = if adjustment < 0.0 {
                    sample.contributing + sample.terminating
                } else {
                    sample.contributing
                };
                let wanted = adjust(
                    *adjustment_type,
                    base,
                    adjustment,
                    *min_adjustment_magnitude,
                );
                propose(wanted, desired, sample)
            }
            PolicyState::Simple {
                policy,
                alarm,
                fired_at,
            } => {
                let ScalingPolicy::Simple {
                    alarm: spec,
                    adjustment_type,
                    adjustment,
                    min_adjustment_magnitude,
                    cooldown,
                } = policy
                else {
                    unreachable!("simple state holds a simple policy")
                };
                let in_alarm = alarm.push(spec, sample.value(spec.metric));
                if let Some(fired) = *fired_at {
                    // Wait for the activity to finish, then for the cooldown.
                    if sample.activity_in_progress {
                        return Proposal::None;
                    }
                    let activity_end = sample.last_activity_end.max(fired);
                    if sample.now < activity_end + *cooldown {
                        return Proposal::None;
                    }
                    *fired_at = None;
                }
                if !in_alarm {
                    return Proposal::None;
                }
                let wanted = adjust(
                    *adjustment_type,
                    desired,
                    *adjustment,
                    *min_adjustment_magnitude,
                );
                *fired_at = Some(sample.now);
                propose(wanted, desired, sample)
            }
            PolicyState::Predictive => Proposal::None,
        }
    }
}

fn propose(wanted: u32, desired: u32, sample: &MetricSample) -> Proposal {
    if wanted > desired {
        Proposal::Out(wanted)
    } else if wanted < desired && sample.warming == 0 {
        Proposal::In(wanted)
    } else {
        Proposal::None
    }
}

/// The adjustment of the step containing `delta = metric - threshold`.
fn step_for(steps: &[StepAdjustment], comparison: Comparison, delta: f64) -> Option<f64> {
    let above = matches!(comparison, Comparison::Greater | Comparison::GreaterOrEqual);
    steps
        .iter()
        .find(|s| {
            let lower = s.lower.unwrap_or(f64::NEG_INFINITY);
            let upper = s.upper.unwrap_or(f64::INFINITY);
            if above {
                lower <= delta && delta < upper
            } else {
                lower < delta && delta <= upper
            }
        })
        .map(|s| s.adjustment)
}

/// The capacity an adjustment asks for from `current` (aws-facts.md 3.4).
pub fn adjust(
    kind: AdjustmentType,
    current: u32,
    adjustment: f64,
    min_magnitude: Option<u32>,
) -> u32 {
    let current_f = f64::from(current);
    let change = match kind {
        AdjustmentType::ExactCapacity => return adjustment.max(0.0) as u32,
        AdjustmentType::ChangeInCapacity => adjustment,
        AdjustmentType::PercentChangeInCapacity => {
            let raw = current_f * adjustment / 100.0;
            let rounded = if raw > 1.0 {
                raw.floor()
            } else if raw > 0.0 {
                1.0
            } else if raw > -1.0 && raw < 0.0 {
                -1.0
            } else {
                raw.ceil()
            };
            match min_magnitude {
                Some(m) if rounded != 0.0 && rounded.abs() < f64::from(m) => {
                    f64::from(m) * rounded.signum()
                }
                _ => rounded,
            }
        }
    };
    (current_f + change).max(0.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;
    use crate::model::config::{HealthCheckType, Monitoring, TerminationPolicy};

    fn group_with(
        min: u32,
        max: u32,
        desired: u32,
        policy: Vec<ScalingPolicy>,
    ) -> AutoScalingGroup {
        AutoScalingGroup::new(&AutoScalingConfig {
            min,
            max,
            desired,
            instance_warmup: SimDuration::from_secs(300),
            monitoring: Monitoring::Detailed,
            metric_period: SimDuration::from_secs(60),
            metric_delay: SimDuration::ZERO,
            termination_policy: TerminationPolicy::Default,
            health_check_type: HealthCheckType::Ec2,
            health_check_grace_period: SimDuration::ZERO,
            new_instances_protected_from_scale_in: false,
            policy,
            scheduled: Vec::new(),
            warm_pool: None,
        })
    }

    fn tracking(target: f64) -> ScalingPolicy {
        ScalingPolicy::TargetTracking {
            metric: ScalingMetric::Cpu,
            target,
            disable_scale_in: false,
        }
    }

    fn group(min: u32, max: u32, desired: u32, target: f64) -> AutoScalingGroup {
        group_with(min, max, desired, vec![tracking(target)])
    }

    fn cpu(value: f64, contributing: u32, warming: u32) -> MetricSample {
        MetricSample {
            cpu: Some(value),
            contributing,
            warming,
            ..MetricSample::default()
        }
    }

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

    #[test]
    fn desired_is_clamped_to_min_and_max() {
        let mut g = group(2, 5, 2, 50.0);
        for _ in 0..3 {
            g.evaluate(&cpu(400.0, 2, 0));
        }
        assert_eq!(g.desired, 5);
        let mut g = group(2, 5, 3, 50.0);
        for _ in 0..15 {
            g.evaluate(&cpu(0.0, 3, 0));
        }
        assert_eq!(g.desired, 2);
    }

    /// AWS's rounding examples (aws-facts.md 3.4): +12.7 → +12, +0.5 → +1, -0.5 → -1,
    /// -6.67 → -6; and a minimum magnitude of 2 turns +1 into +2.
    #[test]
    fn percent_adjustments_round_as_aws_documents() {
        use AdjustmentType::*;
        assert_eq!(adjust(PercentChangeInCapacity, 127, 10.0, None), 127 + 12);
        assert_eq!(adjust(PercentChangeInCapacity, 5, 10.0, None), 6);
        assert_eq!(adjust(PercentChangeInCapacity, 5, -10.0, None), 4);
        assert_eq!(adjust(PercentChangeInCapacity, 20, -33.35, None), 20 - 6);
        assert_eq!(adjust(PercentChangeInCapacity, 5, 10.0, Some(2)), 7);
        assert_eq!(adjust(ChangeInCapacity, 5, -2.0, None), 3);
        assert_eq!(adjust(ExactCapacity, 5, 9.0, None), 9);
    }

    fn alarm(threshold: f64, comparison: Comparison, periods: u32, datapoints: u32) -> Alarm {
        Alarm {
            metric: ScalingMetric::Cpu,
            comparison,
            threshold,
            evaluation_periods: periods,
            datapoints_to_alarm: datapoints,
        }
    }

    /// AWS's step example (as-scaling-simple-step): threshold 50, steps [0, 10) +10 %,
    /// [10, 20) +20 %, [20, ∞) +30 %, on a group of 10. At 60 % (delta 10) the second
    /// step adds 20 % of 10 = 2 (desired 12). While those 2 warm, the same step asks
    /// for 10 + 2 = 12 again: nothing more. At 75 % (delta 25) the third step asks for
    /// 30 % of the 10 warm instances, 10 + 3 = 13: one more, not 3 on top of the 12.
    #[test]
    fn step_adjustments_follow_the_breach_size_and_count_warming_capacity() {
        let steps = vec![
            StepAdjustment {
                lower: Some(0.0),
                upper: Some(10.0),
                adjustment: 10.0,
            },
            StepAdjustment {
                lower: Some(10.0),
                upper: Some(20.0),
                adjustment: 20.0,
            },
            StepAdjustment {
                lower: Some(20.0),
                upper: None,
                adjustment: 30.0,
            },
        ];
        let policy = ScalingPolicy::Step {
            alarm: alarm(50.0, Comparison::Greater, 2, 2),
            adjustment_type: AdjustmentType::PercentChangeInCapacity,
            step: steps,
            min_adjustment_magnitude: None,
        };
        let mut g = group_with(1, 20, 10, vec![policy]);
        assert_eq!(g.evaluate(&cpu(60.0, 10, 0)), None, "1 of 2 datapoints");
        assert_eq!(g.evaluate(&cpu(60.0, 10, 0)), Some(12), "delta 10: +20 %");
        assert_eq!(
            g.evaluate(&cpu(60.0, 10, 2)),
            None,
            "same step while warming: no more"
        );
        assert_eq!(
            g.evaluate(&cpu(75.0, 10, 2)),
            Some(13),
            "delta 25: +30 % of the 10 warm"
        );
        assert_eq!(g.evaluate(&cpu(45.0, 10, 3)), None);
    }

    #[test]
    fn steps_below_the_threshold_have_the_upper_bound_inclusive() {
        let steps = vec![
            StepAdjustment {
                lower: Some(-10.0),
                upper: Some(0.0),
                adjustment: -1.0,
            },
            StepAdjustment {
                lower: None,
                upper: Some(-10.0),
                adjustment: -2.0,
            },
        ];
        assert_eq!(step_for(&steps, Comparison::Less, -10.0), Some(-2.0));
        assert_eq!(step_for(&steps, Comparison::Less, -9.0), Some(-1.0));
        assert_eq!(step_for(&steps, Comparison::Less, 0.0), Some(-1.0));
    }

    /// Simple scaling: +2 at the first alarm; the alarm stays high but nothing happens
    /// until the activity ends (t = 200 s) and the 300 s cooldown passes (t = 500 s).
    #[test]
    fn cooldown_blocks_a_second_simple_scaling_action() {
        let policy = ScalingPolicy::Simple {
            alarm: alarm(70.0, Comparison::Greater, 1, 1),
            adjustment_type: AdjustmentType::ChangeInCapacity,
            adjustment: 2.0,
            min_adjustment_magnitude: None,
            cooldown: SimDuration::from_secs(300),
        };
        let mut g = group_with(1, 20, 2, vec![policy]);
        let at = |secs: u64, busy: bool, end: u64| MetricSample {
            cpu: Some(90.0),
            contributing: 2,
            activity_in_progress: busy,
            last_activity_end: SimTime::from_secs(end),
            now: SimTime::from_secs(secs),
            ..MetricSample::default()
        };
        assert_eq!(g.evaluate(&at(60, false, 0)), Some(4));
        assert_eq!(g.evaluate(&at(120, true, 0)), None, "activity in progress");
        assert_eq!(
            g.evaluate(&at(240, false, 200)),
            None,
            "cooldown until 500 s"
        );
        assert_eq!(
            g.evaluate(&at(480, false, 200)),
            None,
            "cooldown until 500 s"
        );
        assert_eq!(g.evaluate(&at(540, false, 200)), Some(6));
    }

    #[test]
    fn scale_in_needs_every_tracking_policy_and_scale_out_any() {
        let mut g = group_with(1, 20, 6, vec![tracking(50.0), tracking(80.0)]);
        // 30 % is low for target 50 but also for 80: both want in after 15 periods.
        for _ in 0..14 {
            g.evaluate(&cpu(30.0, 6, 0));
        }
        // 6 * 30 / 50 = 3.6 → 4 and 6 * 30 / 80 = 2.25 → 3 (whole instances removed,
        // rounded down): the larger capacity wins.
        assert_eq!(g.evaluate(&cpu(30.0, 6, 0)), Some(4));
        let mut g = group_with(1, 20, 6, vec![tracking(50.0), tracking(20.0)]);
        for _ in 0..15 {
            assert_eq!(
                g.evaluate(&cpu(30.0, 6, 0)).filter(|&d| d < 6),
                None,
                "the 20 % policy wants out"
            );
        }
    }

    #[test]
    fn scheduled_actions_and_forecasts_bound_desired() {
        let mut g = group(2, 10, 3, 50.0);
        let action = ScheduledAction {
            at: None,
            recurrence: None,
            cron: None,
            min: Some(5),
            max: None,
            desired: None,
        };
        assert_eq!(g.apply_scheduled(&action), Some(5));
        assert_eq!(g.set_forecast_floor(8), Some(8));
        // Dynamic scale-in cannot go below the forecast for the hour.
        for _ in 0..15 {
            g.evaluate(&cpu(5.0, 8, 0));
        }
        assert_eq!(g.desired, 8);
    }
}
