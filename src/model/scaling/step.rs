//! Step scaling (aws-facts.md 3.4): the adjustment depends on how far past its
//! threshold the alarm's metric is.
//!
//! Every period the alarm is in ALARM, the policy applies the step whose bounds contain
//! `metric - threshold`: lower bound inclusive and upper exclusive above the threshold,
//! the reverse below it. Adjustments are relative to the capacity that is not warming
//! up, so a deeper breach during warm-up adds only the difference, as AWS's warm-up
//! example describes; a scale-in starts from the capacity not yet terminating plus the
//! terminating instances (`scaling` module docs). Unlike simple scaling it keeps
//! responding while an activity is in progress (3.4).

use super::alarm::{AlarmState, adjust, propose};
use super::{DynamicPolicy, MetricSample, Proposal};
use crate::model::config::{AdjustmentType, Alarm, Comparison, StepAdjustment};

pub(super) struct StepScaling {
    alarm: AlarmState,
    adjustment_type: AdjustmentType,
    steps: Vec<StepAdjustment>,
    min_adjustment_magnitude: Option<u32>,
}

impl StepScaling {
    pub(super) fn new(
        alarm: &Alarm,
        adjustment_type: AdjustmentType,
        steps: &[StepAdjustment],
        min_adjustment_magnitude: Option<u32>,
    ) -> Self {
        StepScaling {
            alarm: AlarmState::new(alarm),
            adjustment_type,
            steps: steps.to_vec(),
            min_adjustment_magnitude,
        }
    }
}

impl DynamicPolicy for StepScaling {
    fn evaluate(&mut self, sample: &MetricSample, desired: u32) -> Proposal {
        let (value, in_alarm) = self.alarm.push(sample);
        if !in_alarm {
            return Proposal::None;
        }
        let Some(value) = value else {
            return Proposal::None;
        };
        let spec = &self.alarm.spec;
        let Some(adjustment) = step_for(&self.steps, spec.comparison, value - spec.threshold)
        else {
            return Proposal::None;
        };
        // Scale-out starts from the warm capacity, scale-in from the capacity that is
        // not terminating yet plus the terminating (module docs).
        let base = if adjustment < 0.0 {
            sample.contributing + sample.terminating
        } else {
            sample.contributing
        };
        let wanted = adjust(
            self.adjustment_type,
            base,
            adjustment,
            self.min_adjustment_magnitude,
        );
        propose(wanted, desired, sample)
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

#[cfg(test)]
mod tests {
    use super::super::tests::{alarm, cpu, group_with};
    use super::*;
    use crate::model::config::ScalingPolicy;

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
}
