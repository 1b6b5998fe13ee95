//! The Auto Scaling group's capacity decisions: target tracking on 60 s metric periods.
//!
//! Target tracking (aws-facts.md 3.3) keeps a metric near a target through two managed
//! CloudWatch alarms: scale out after 3 consecutive periods above the target, scale in
//! after 15 consecutive periods below 90 % of it (the managed low alarm sits about 10 %
//! under the target, so that a fleet just under its target does not flap). The new capacity is proportional,
//! `instances * metric / target`, rounded up when adding and down when removing.
//! Instances still warming up are left out of the metric but already count in desired
//! capacity, so a second breach during warm-up does not launch a second batch; scale-in
//! waits until no instance is warming. With several policies the group scales out if
//! any policy wants to and in only if all do. Desired always stays within
//! `[min, max]` (3.1), and `min >= 1` is enforced by the scenario loader.

use super::config::{AutoScalingConfig, ScalingMetric, ScalingPolicy};

/// Datapoints after which the managed alarms fire (aws-facts.md 3.3).
pub const SCALE_OUT_DATAPOINTS: u32 = 3;
pub const SCALE_IN_DATAPOINTS: u32 = 15;
/// The managed low alarm's threshold as a fraction of the target (aws-facts.md 3.3).
pub const SCALE_IN_THRESHOLD: f64 = 0.9;

/// One metric period's view of the group, as CloudWatch would publish it.
#[derive(Clone, Copy, Debug, Default)]
pub struct MetricSample {
    /// Average CPU (percent) over instances past warm-up; `None` when there are none.
    pub cpu: Option<f64>,
    /// Requests routed in the period per healthy target; `None` without targets.
    pub request_count_per_target: Option<f64>,
    /// Instances whose CPU makes up the average.
    pub contributing: u32,
    /// Active instances not yet contributing (booting, health-checking, warming).
    pub warming: u32,
}

struct PolicyState {
    policy: ScalingPolicy,
    high_streak: u32,
    low_streak: u32,
}

pub struct AutoScalingGroup {
    pub min: u32,
    pub max: u32,
    pub desired: u32,
    policies: Vec<PolicyState>,
}

/// What one policy asks for after a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proposal {
    None,
    Out(u32),
    In(u32),
}

impl AutoScalingGroup {
    pub fn new(config: &AutoScalingConfig) -> Self {
        AutoScalingGroup {
            min: config.min,
            max: config.max,
            desired: config.desired,
            policies: config
                .policy
                .iter()
                .map(|p| PolicyState {
                    policy: p.clone(),
                    high_streak: 0,
                    low_streak: 0,
                })
                .collect(),
        }
    }

    /// Feeds one period's datapoints to every policy and returns the new desired
    /// capacity if it changes.
    pub fn evaluate(&mut self, sample: &MetricSample) -> Option<u32> {
        let desired = self.desired;
        let proposals: Vec<Proposal> = self
            .policies
            .iter_mut()
            .map(|p| p.evaluate(sample, desired))
            .collect();
        let out = proposals
            .iter()
            .filter_map(|p| {
                if let Proposal::Out(n) = p {
                    Some(*n)
                } else {
                    None
                }
            })
            .max();
        let new = if let Some(n) = out {
            n
        } else if !proposals.is_empty() && proposals.iter().all(|p| matches!(p, Proposal::In(_))) {
            proposals
                .iter()
                .map(|p| {
                    if let Proposal::In(n) = p {
                        *n
                    } else {
                        unreachable!()
                    }
                })
                .max()
                .expect("not empty")
        } else {
            return None;
        };
        let new = new.clamp(self.min, self.max);
        (new != self.desired).then(|| {
            self.desired = new;
            new
        })
    }
}

impl PolicyState {
    fn evaluate(&mut self, sample: &MetricSample, desired: u32) -> Proposal {
        let ScalingPolicy::TargetTracking {
            metric,
            target,
            disable_scale_in,
        } = self.policy;
        let value = match metric {
            ScalingMetric::Cpu => sample.cpu,
            ScalingMetric::RequestCountPerTarget => sample.request_count_per_target,
        };
        // A missing datapoint (INSUFFICIENT_DATA) breaks both alarms' streaks.
        let Some(value) = value else {
            self.high_streak = 0;
            self.low_streak = 0;
            return Proposal::None;
        };
        if value > target {
            self.high_streak += 1;
            self.low_streak = 0;
        } else if value < SCALE_IN_THRESHOLD * target {
            self.low_streak += 1;
            self.high_streak = 0;
        } else {
            self.high_streak = 0;
            self.low_streak = 0;
        }
        // Proportional capacity for the instances the metric describes. Using a small
        // epsilon keeps 2 * 75 / 50 = 3.0000000000000004 from rounding up to 4.
        let ratio = value / target;
        let basis = f64::from(sample.contributing.max(1));
        if self.high_streak >= SCALE_OUT_DATAPOINTS {
            let wanted = (basis * ratio - 1e-9).ceil() as u32;
            if wanted > desired {
                return Proposal::Out(wanted);
            }
        } else if self.low_streak >= SCALE_IN_DATAPOINTS && !disable_scale_in && sample.warming == 0
        {
            let wanted = (basis * ratio + 1e-9).floor() as u32;
            if wanted < desired {
                return Proposal::In(wanted);
            }
        }
        Proposal::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    fn group(min: u32, max: u32, desired: u32, target: f64) -> AutoScalingGroup {
        AutoScalingGroup::new(&AutoScalingConfig {
            min,
            max,
            desired,
            instance_warmup: SimDuration::from_secs(300),
            metric_period: SimDuration::from_secs(60),
            policy: vec![ScalingPolicy::TargetTracking {
                metric: ScalingMetric::Cpu,
                target,
                disable_scale_in: false,
            }],
        })
    }

    fn cpu(value: f64, contributing: u32, warming: u32) -> MetricSample {
        MetricSample {
            cpu: Some(value),
            request_count_per_target: None,
            contributing,
            warming,
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

    /// 4 instances at 30 % with target 50: 4 * 30 / 50 = 2.4, rounded down to 2, only
    /// after 15 low minutes, and not while an instance is warming.
    #[test]
    fn scales_in_after_fifteen_low_periods_rounding_down() {
        let mut g = group(1, 10, 4, 50.0);
        for _ in 0..14 {
            assert_eq!(g.evaluate(&cpu(30.0, 4, 0)), None);
        }
        assert_eq!(g.evaluate(&cpu(30.0, 3, 1)), None, "blocked by warm-up");
        assert_eq!(g.evaluate(&cpu(30.0, 4, 0)), Some(2));
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
}
