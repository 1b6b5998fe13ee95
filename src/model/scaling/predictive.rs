//! Predictive scaling (aws-facts.md 3.9): the forecast of capacity for a coming hour
//! from the same hour of the previous days, and the floor it sets under the group.
//!
//! Predictive scaling is not a `DynamicPolicy`: it reads whole clock hours rather than
//! metric periods. `ec2` records each hour's [`HourStats`], asks the [`Forecaster`]
//! ahead of each hour (by the scheduling buffer) and, in `forecast_and_scale` mode,
//! sets the group's forecast floor, which raises desired capacity and keeps the
//! dynamic policies from scaling in below it until the next forecast.
//!
//! AWS's model is not public; it "needs at least 24 hours of history", "uses the last
//! 14 days" and forecasts hourly. simcloud's documented method: the load forecast for
//! hour `h` is the mean of the requests that arrived in hours `h - 24`, `h - 48`, ...
//! (up to 14 days back); the load-to-capacity relation is learned from the same
//! history as busy worker-seconds per request, the way AWS learns the relation between
//! its load metric and its scaling metric. The capacity is the number of instances that
//! would hold the scaling metric at its target under the forecast load. A seasonal mean
//! was chosen over a regression or exponential smoothing: it is what a daily pattern
//! needs, and a reader can check it by hand.

use super::AutoScalingGroup;
use crate::engine::SECS_PER_HOUR;
use crate::model::config::ScalingMetric;

/// One completed clock hour.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct HourStats {
    pub(crate) requests: u64,
    /// Busy worker-seconds over all instances.
    pub(crate) busy_worker_secs: f64,
}

const DAYS_OF_HISTORY: usize = 14;

#[derive(Default)]
pub(crate) struct Forecaster {
    history: Vec<HourStats>,
}

impl Forecaster {
    pub(crate) fn record(&mut self, hour: HourStats) {
        self.history.push(hour);
    }

    /// The capacity for hour `hour` (hours since t = 0), or `None` with less than a
    /// day of history. `workers` is the number of workers per instance.
    pub(crate) fn capacity(
        &self,
        hour: usize,
        metric: ScalingMetric,
        target: f64,
        workers: u32,
    ) -> Option<u32> {
        if self.history.len() < 24 || hour < 24 {
            return None;
        }
        let same_hour: Vec<&HourStats> = (1..=DAYS_OF_HISTORY)
            .filter_map(|d| hour.checked_sub(24 * d))
            .filter_map(|h| self.history.get(h))
            .collect();
        if same_hour.is_empty() {
            return None;
        }
        let requests =
            same_hour.iter().map(|s| s.requests as f64).sum::<f64>() / same_hour.len() as f64;
        let needed = match metric {
            // The target is requests per target per minute.
            ScalingMetric::RequestCountPerTarget => requests / 60.0 / target,
            ScalingMetric::Memory
            | ScalingMetric::NetworkOut
            | ScalingMetric::BacklogPerInstance
            | ScalingMetric::MessagesVisible => {
                unreachable!("the scenario refuses a memory, NetworkOut or queue forecast")
            }
            ScalingMetric::Cpu => {
                let window =
                    &self.history[self.history.len().saturating_sub(24 * DAYS_OF_HISTORY)..];
                let total_requests: u64 = window.iter().map(|s| s.requests).sum();
                if total_requests == 0 {
                    return Some(0);
                }
                let busy_per_request =
                    window.iter().map(|s| s.busy_worker_secs).sum::<f64>() / total_requests as f64;
                requests / SECS_PER_HOUR * busy_per_request / (f64::from(workers) * target / 100.0)
            }
        };
        Some((needed - 1e-9).ceil().max(0.0) as u32)
    }
}

impl AutoScalingGroup {
    /// Predictive scaling for the coming hour: capacity is raised to the forecast and
    /// dynamic policies do not scale in below it until the next forecast; it never
    /// scales in by itself (aws-facts.md 3.9).
    pub(crate) fn set_forecast_floor(&mut self, capacity: u32) -> Option<u32> {
        self.forecast_floor = capacity;
        self.set_desired(self.desired.max(capacity))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two days of history: hour 9 had 360,000 and 540,000 requests. The forecast for
    /// hour 57 (day 2, 09:00) is their mean, 450,000 requests, 7,500 per minute; at a
    /// target of 1,000 per target per minute that is 7.5, so 8 instances. With CPU:
    /// every request took 0.05 busy worker-seconds, so 125 req/s need 6.25 busy
    /// workers; at 50 % of 4 workers (2 busy each) that is 3.125, so 4 instances.
    #[test]
    fn forecasts_the_same_hour_of_previous_days() {
        let mut f = Forecaster::default();
        assert_eq!(
            f.capacity(24, ScalingMetric::Cpu, 50.0, 4),
            None,
            "no history yet"
        );
        for day in 0..2 {
            for h in 0..24 {
                let requests = if h == 9 {
                    [360_000, 540_000][day]
                } else {
                    36_000
                };
                f.record(HourStats {
                    requests,
                    busy_worker_secs: requests as f64 * 0.05,
                });
            }
        }
        assert_eq!(
            f.capacity(57, ScalingMetric::RequestCountPerTarget, 1000.0, 4),
            Some(8)
        );
        assert_eq!(f.capacity(57, ScalingMetric::Cpu, 50.0, 4), Some(4));
        // Hour 50 (02:00): 36,000 requests → 10 req/s → 0.5 busy workers → 1 instance.
        assert_eq!(f.capacity(50, ScalingMetric::Cpu, 50.0, 4), Some(1));
    }
}
