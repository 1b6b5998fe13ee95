//! Queueing statistics of a run, kept in O(1) memory and O(1) work per event: the
//! waiting time before service starts and the time-average number of requests on the
//! instances.
//!
//! They exist so that the run can be checked against queueing theory: Erlang C and
//! Pollaczek–Khinchine predict the mean *wait* (not the response time, which adds the
//! service time and its sampling noise), and Little's law relates the time-average
//! number in the system to throughput and response time. Latency percentiles stay in
//! `LatencyHistogram`; a second histogram for waits was rejected as more memory and
//! work per request than these three numbers need.

use super::outcome::{QueueingSummary, round_to};
use crate::engine::{SimTime, TimeIntegral};

#[derive(Debug, Default)]
pub(super) struct QueueingStats {
    /// Requests whose service started (including those that later time out).
    started: u64,
    /// Of those, how many waited in a queue (wait > 0).
    waited: u64,
    wait_sum_nanos: u128,
    /// Requests on instances right now: waiting or in service.
    in_system: u64,
    /// Integral of `in_system` over time, in request-nanoseconds.
    in_system_area: TimeIntegral,
}

impl QueueingStats {
    /// A request started service after waiting `wait_nanos` (0 if it went straight in).
    #[inline]
    pub(super) fn service_started(&mut self, wait_nanos: u64) {
        self.started += 1;
        self.waited += u64::from(wait_nanos > 0);
        self.wait_sum_nanos += u128::from(wait_nanos);
    }

    /// `delta` requests entered (> 0) or left (< 0) the instances at `now`.
    #[inline]
    pub(super) fn in_system_changed(&mut self, now: SimTime, delta: i64) {
        self.in_system_area.advance(now, self.in_system);
        self.in_system = self
            .in_system
            .checked_add_signed(delta)
            .expect("requests in the system >= 0");
    }

    /// The summary at the end of the run, `end` nanoseconds after its start.
    pub(super) fn summary(&mut self, end: SimTime) -> QueueingSummary {
        self.in_system_changed(end, 0);
        QueueingSummary {
            mean_wait_ms: if self.started == 0 {
                0.0
            } else {
                round_to(self.wait_sum_nanos as f64 / self.started as f64 / 1e6, 6)
            },
            waited_fraction: if self.started == 0 {
                0.0
            } else {
                round_to(self.waited as f64 / self.started as f64, 6)
            },
            mean_in_system: round_to(
                self.in_system_area.at(end, 0) as f64 / end.0.max(1) as f64,
                6,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two requests: one served at once, one waiting 30 ms, so the mean wait is 15 ms
    /// and half of them waited. One request is present from 0 to 100 ms and a second
    /// from 20 ms to 100 ms; over a 200 ms run the area is 100 + 80 = 180 request-ms,
    /// a time-average of 0.9.
    #[test]
    fn hand_computed_waits_and_occupancy() {
        let ms = |v: u64| SimTime(v * 1_000_000);
        let mut q = QueueingStats::default();
        q.in_system_changed(ms(0), 1);
        q.service_started(0);
        q.in_system_changed(ms(20), 1);
        q.service_started(30_000_000);
        q.in_system_changed(ms(100), -2);
        let s = q.summary(ms(200));
        assert_eq!(s.mean_wait_ms, 15.0);
        assert_eq!(s.waited_fraction, 0.5);
        assert_eq!(s.mean_in_system, 0.9);
    }
}
