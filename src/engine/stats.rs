//! Streaming latency statistics: a bounded-memory histogram instead of stored samples.
//!
//! An HDR histogram with three significant digits (0.1 % relative error) holds any
//! number of observations in constant memory, which is what keeps a month-long run as
//! small as a minute-long one.

use super::SimTime;
use hdrhistogram::Histogram;

/// The integral over time of a quantity that changes in steps (busy workers, requests
/// in the system, instances in service), exact in integer units × nanoseconds. The
/// caller keeps the quantity; each change first accumulates the old value up to now.
/// `u128`: a `u64` overflows after 584 unit-years, which 600 workers reach in a year.
#[derive(Clone, Copy, Debug, Default)]
pub struct TimeIntegral {
    area: u128,
    since: SimTime,
}

impl TimeIntegral {
    pub fn starting_at(t: SimTime) -> Self {
        TimeIntegral { area: 0, since: t }
    }

    /// Accumulates `value`, held since the last change, up to `now`.
    #[inline]
    pub fn advance(&mut self, now: SimTime, value: u64) {
        self.area = self.at(now, value);
        self.since = now;
    }

    /// The integral up to `now` if `value` has been held since the last change.
    #[inline]
    pub fn at(&self, now: SimTime, value: u64) -> u128 {
        self.area + u128::from(value) * u128::from(now.since(self.since).0)
    }
}

/// Latencies in microseconds, from 1 µs up to `max_micros`.
#[derive(Clone)]
pub struct LatencyHistogram {
    histogram: Histogram<u64>,
    sum_nanos: u128,
}

impl LatencyHistogram {
    /// `significant_digits` is 1..=5; 3 gives 0.1 % relative precision.
    pub fn new(max_micros: u64, significant_digits: u8) -> Self {
        let histogram = Histogram::new_with_bounds(1, max_micros.max(2), significant_digits)
            .expect("histogram bounds are valid: 1 <= 2 <= max, digits in range");
        LatencyHistogram {
            histogram,
            sum_nanos: 0,
        }
    }

    #[inline]
    pub fn record_nanos(&mut self, nanos: u64) {
        self.histogram.saturating_record((nanos / 1_000).max(1));
        self.sum_nanos += u128::from(nanos);
    }

    pub fn count(&self) -> u64 {
        self.histogram.len()
    }

    /// Mean in milliseconds, exact (from the sum, not the buckets); 0 when empty.
    pub fn mean_ms(&self) -> f64 {
        match self.count() {
            0 => 0.0,
            n => self.sum_nanos as f64 / n as f64 / 1e6,
        }
    }

    /// The `q`-quantile (0..=1) in milliseconds; 0 when empty.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.count() == 0 {
            return 0.0;
        }
        self.histogram.value_at_quantile(q) as f64 / 1e3
    }

    pub fn max_ms(&self) -> f64 {
        self.histogram.max() as f64 / 1e3
    }

    /// Fraction of recorded values at or below `nanos`.
    pub fn fraction_at_or_below(&self, nanos: u64) -> f64 {
        match self.count() {
            0 => 1.0,
            n => self.histogram.count_between(0, nanos / 1_000) as f64 / n as f64,
        }
    }

    pub fn reset(&mut self) {
        self.histogram.reset();
        self.sum_nanos = 0;
    }

    /// The complementary CDF, `(latency_ms, fraction of values >= latency_ms)`, one
    /// point per distinct histogram bucket, in increasing latency; empty when empty.
    /// "At or above" rather than "above" keeps every fraction >= 1/n, so the curve can
    /// be drawn on a log scale down to its last point.
    pub fn ccdf_ms(&self) -> Vec<(f64, f64)> {
        let n = self.count();
        let mut below = 0u64;
        let mut points = Vec::new();
        for v in self.histogram.iter_recorded() {
            let value = self.histogram.lowest_equivalent(v.value_iterated_to());
            points.push((value as f64 / 1e3, (n - below) as f64 / n as f64));
            below += v.count_since_last_iteration();
        }
        points
    }

    /// The underlying histogram, for exporters that draw the whole distribution.
    pub fn histogram(&self) -> &Histogram<u64> {
        &self.histogram
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_of_a_uniform_grid() {
        // Values 1..=1000 ms: the median is 500 ms and p99 is 990 ms, within 0.1 %.
        let mut h = LatencyHistogram::new(10_000_000, 3);
        for ms in 1..=1000u64 {
            h.record_nanos(ms * 1_000_000);
        }
        assert!((h.quantile_ms(0.5) - 500.0).abs() <= 0.5);
        assert!((h.quantile_ms(0.99) - 990.0).abs() <= 1.0);
        assert!((h.mean_ms() - 500.5).abs() < 1e-9);
        assert!((h.fraction_at_or_below(250_000_000) - 0.25).abs() < 0.002);
    }

    #[test]
    fn ccdf_starts_at_one_and_falls_to_one_over_n() {
        // Four values 1, 2, 3, 4 ms: P(X >= 1) = 1, P(X >= 2) = 3/4, ..., P(X >= 4) = 1/4.
        let mut h = LatencyHistogram::new(10_000_000, 3);
        for ms in 1..=4u64 {
            h.record_nanos(ms * 1_000_000);
        }
        let ccdf = h.ccdf_ms();
        assert_eq!(ccdf, vec![(1.0, 1.0), (2.0, 0.75), (3.0, 0.5), (4.0, 0.25)]);
        assert!(LatencyHistogram::new(1000, 2).ccdf_ms().is_empty());
    }
}
