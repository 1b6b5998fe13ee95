//! Scheduled actions (aws-facts.md 3.10): at a time, or on a cron recurrence, set any
//! of the group's min, max and desired capacity.
//!
//! This file applies an action to the group; `ec2` schedules the action's times (its
//! `at` or the next match of its cron expression, parsed by the scenario loader).
//! Unlike a dynamic policy, an action reads no metric, so it is not a
//! `DynamicPolicy`: it changes the bounds the dynamic policies' proposals are clamped
//! to.

use super::AutoScalingGroup;
use crate::model::config::ScheduledAction;

impl AutoScalingGroup {
    /// A scheduled action sets any of min, max and desired (aws-facts.md 3.10);
    /// desired is then kept within the new bounds.
    pub(crate) fn apply_scheduled(&mut self, action: &ScheduledAction) -> Option<u32> {
        if let Some(min) = action.min {
            self.min = min;
        }
        if let Some(max) = action.max {
            self.max = max;
        }
        // A scheduled min above max is rejected by the loader only within one action;
        // across actions, a max below the current min is raised to it (min wins, as
        // the group must keep min instances).
        if self.min > self.max {
            self.max = self.min;
        }
        self.set_desired(action.desired.unwrap_or(self.desired))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{cpu, group};
    use super::*;

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
