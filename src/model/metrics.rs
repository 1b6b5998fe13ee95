//! What a run measures about its requests: counts (each request counted once), the
//! latency of completed requests for the whole run and for the current reporting
//! interval, the SLO, and the queueing statistics of the validation suite.
//!
//! It only counts: deciding what happens to a request (served, rejected, timed out,
//! interrupted) is the request path's job (`serving`).

use super::config::SloConfig;
use super::outcome::{LatencySummary, RequestCounts, SloSummary, TimelineRow, round_to};
use super::queueing::QueueingStats;
use crate::engine::{LatencyHistogram, SimDuration};

pub(super) struct Metrics {
    /// Every request of the run so far.
    pub totals: RequestCounts,
    /// Requests of the current reporting interval.
    interval: RequestCounts,
    /// Completed requests' latencies: 3 significant digits for the summary, 2 for the
    /// interval's p50 and p99 (a smaller histogram to reset every interval).
    latency: LatencyHistogram,
    interval_latency: LatencyHistogram,
    slo_nanos: u64,
    within_slo: u64,
    pub queueing: QueueingStats,
}

impl Metrics {
    pub(super) fn new(timeout: SimDuration, slo: &SloConfig) -> Self {
        // Completed requests are never slower than the timeout (later ones are 504s).
        let max_micros = timeout.0 / 1_000 + 1;
        Metrics {
            totals: RequestCounts::default(),
            interval: RequestCounts::default(),
            latency: LatencyHistogram::new(max_micros, 3),
            interval_latency: LatencyHistogram::new(max_micros, 2),
            slo_nanos: slo.latency.0,
            within_slo: 0,
            queueing: QueueingStats::default(),
        }
    }

    #[inline]
    pub(super) fn arrived(&mut self) {
        self.totals.arrived += 1;
        self.interval.arrived += 1;
    }

    pub(super) fn rejected(&mut self) {
        self.totals.rejected += 1;
        self.interval.rejected += 1;
    }

    /// A 500: an error from a database the request called.
    pub(super) fn failed(&mut self) {
        self.totals.failed += 1;
        self.interval.failed += 1;
    }

    pub(super) fn interrupted(&mut self, n: u64) {
        self.totals.interrupted += n;
        self.interval.interrupted += n;
    }

    pub(super) fn timed_out(&mut self, n: u64) {
        self.totals.timed_out += n;
        self.interval.timed_out += n;
    }

    #[inline]
    pub(super) fn completed(&mut self, latency_nanos: u64) {
        self.totals.completed += 1;
        self.interval.completed += 1;
        self.latency.record_nanos(latency_nanos);
        self.interval_latency.record_nanos(latency_nanos);
        if latency_nanos <= self.slo_nanos {
            self.within_slo += 1;
        }
    }

    /// The interval's counts and percentiles as a timeline row (other columns left at
    /// their defaults), and a fresh interval.
    pub(super) fn take_interval(&mut self) -> TimelineRow {
        let counts = std::mem::take(&mut self.interval);
        let row = TimelineRow {
            arrivals: counts.arrived,
            completions: counts.completed,
            rejections: counts.rejected,
            timeouts: counts.timed_out,
            interruptions: counts.interrupted,
            failed: counts.failed,
            p50_ms: round_to(self.interval_latency.quantile_ms(0.5), 3),
            p99_ms: round_to(self.interval_latency.quantile_ms(0.99), 3),
            ..TimelineRow::default()
        };
        self.interval_latency.reset();
        row
    }

    pub(super) fn latency_summary(&self) -> LatencySummary {
        let h = &self.latency;
        LatencySummary {
            mean: round_to(h.mean_ms(), 3),
            p50: round_to(h.quantile_ms(0.5), 3),
            p90: round_to(h.quantile_ms(0.9), 3),
            p99: round_to(h.quantile_ms(0.99), 3),
            p999: round_to(h.quantile_ms(0.999), 3),
            max: round_to(h.max_ms(), 3),
        }
    }

    /// The SLO over the run; attainment counts finished requests (not in flight) of
    /// which the completed ones within the latency are the share met.
    pub(super) fn slo_summary(&self, slo: &SloConfig) -> SloSummary {
        let slo_ms = slo.latency.as_secs_f64() * 1e3;
        let finished = self.totals.arrived - self.totals.in_flight;
        SloSummary {
            latency_ms: slo_ms,
            percentile: slo.percentile,
            met: self.latency.count() > 0
                && self.latency.quantile_ms(slo.percentile / 100.0) <= slo_ms,
            attainment: if finished == 0 {
                1.0
            } else {
                round_to(self.within_slo as f64 / finished as f64, 6)
            },
        }
    }

    /// The run's latency histogram, for the report's distribution chart.
    pub(super) fn into_latency(self) -> LatencyHistogram {
        self.latency
    }
}
