//! Simple scaling (aws-facts.md 3.4, 3.5): one adjustment per alarm, then a wait.
//!
//! When its alarm is in ALARM the policy applies its adjustment to the desired
//! capacity, then waits until the scaling activity has finished and the cooldown
//! (default 300 s) has passed before it responds to the alarm again. The alarm keeps
//! reading datapoints during the wait, so a breach that lasts through it fires at once
//! when the wait ends. Step scaling, by contrast, never waits (`step.rs`).

use super::alarm::{AlarmState, adjust, propose};
use super::{DynamicPolicy, MetricSample, Proposal};
use crate::engine::{SimDuration, SimTime};
use crate::model::config::{AdjustmentType, Alarm};

pub(super) struct SimpleScaling {
    alarm: AlarmState,
    adjustment_type: AdjustmentType,
    adjustment: f64,
    min_adjustment_magnitude: Option<u32>,
    cooldown: SimDuration,
    /// When the last adjustment was made, until the activity and the cooldown are over.
    fired_at: Option<SimTime>,
}

impl SimpleScaling {
    pub(super) fn new(
        alarm: &Alarm,
        adjustment_type: AdjustmentType,
        adjustment: f64,
        min_adjustment_magnitude: Option<u32>,
        cooldown: SimDuration,
    ) -> Self {
        SimpleScaling {
            alarm: AlarmState::new(alarm),
            adjustment_type,
            adjustment,
            min_adjustment_magnitude,
            cooldown,
            fired_at: None,
        }
    }
}

impl DynamicPolicy for SimpleScaling {
    fn evaluate(&mut self, sample: &MetricSample, desired: u32) -> Proposal {
        let (_, in_alarm) = self.alarm.push(sample);
        if let Some(fired) = self.fired_at {
            // Wait for the activity to finish, then for the cooldown.
            if sample.activity_in_progress {
                return Proposal::None;
            }
            let activity_end = sample.last_activity_end.max(fired);
            if sample.now < activity_end + self.cooldown {
                return Proposal::None;
            }
            self.fired_at = None;
        }
        if !in_alarm {
            return Proposal::None;
        }
        let wanted = adjust(
            self.adjustment_type,
            desired,
            self.adjustment,
            self.min_adjustment_magnitude,
        );
        self.fired_at = Some(sample.now);
        propose(wanted, desired, sample)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{alarm, group_with};
    use super::*;
    use crate::model::config::{Comparison, ScalingPolicy};

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
}
