//! What step and simple scaling share (aws-facts.md 3.4): the user's CloudWatch alarm,
//! the rounding of an adjustment into a capacity, and the rule that turns a wanted
//! capacity into a proposal.
//!
//! An alarm is in ALARM when at least `datapoints_to_alarm` of the last
//! `evaluation_periods` datapoints breach its threshold; a missing datapoint does not
//! breach. Percent adjustments round as AWS documents: above 1 down (12.7 → 12),
//! between 0 and 1 to 1, between -1 and 0 to -1, below -1 up (-6.67 → -6), and then
//! at least `min_adjustment_magnitude` instances. Target tracking has its own managed
//! alarms and proportional rounding (`target_tracking.rs`) and uses none of this.

use super::{MetricSample, Proposal};
use crate::model::config::{AdjustmentType, Alarm};
use std::collections::VecDeque;

/// A CloudWatch alarm and its last `evaluation_periods` datapoints, breaching or not.
pub(super) struct AlarmState {
    pub(super) spec: Alarm,
    recent: VecDeque<bool>,
}

impl AlarmState {
    pub(super) fn new(spec: &Alarm) -> Self {
        AlarmState {
            spec: spec.clone(),
            recent: VecDeque::new(),
        }
    }

    /// Adds the period's datapoint of the alarm's metric and returns it with whether
    /// the alarm is in ALARM.
    pub(super) fn push(&mut self, sample: &MetricSample) -> (Option<f64>, bool) {
        let value = sample.value(self.spec.metric);
        let breach = value.is_some_and(|v| self.spec.comparison.breaches(v, self.spec.threshold));
        self.recent.push_back(breach);
        if self.recent.len() > self.spec.evaluation_periods as usize {
            self.recent.pop_front();
        }
        let in_alarm =
            self.recent.iter().filter(|&&b| b).count() as u32 >= self.spec.datapoints_to_alarm;
        (value, in_alarm)
    }
}

/// Proposes `wanted` if it differs from `desired`; a scale-in waits until no instance
/// is warming (aws-facts.md 3.3, module docs of `scaling`).
pub(super) fn propose(wanted: u32, desired: u32, sample: &MetricSample) -> Proposal {
    if wanted > desired {
        Proposal::Out(wanted)
    } else if wanted < desired && sample.warming == 0 {
        Proposal::In(wanted)
    } else {
        Proposal::None
    }
}

/// The capacity an adjustment asks for from `current` (aws-facts.md 3.4).
pub(super) fn adjust(
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
}
