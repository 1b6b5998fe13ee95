//! A bounded-memory copy of the timeline for the charts.
//!
//! The timeline is streamed to `timeline.csv` row by row and never held whole: a 90-day
//! run at 60 s intervals has 129,600 rows. The charts only need as many points as a
//! chart has pixels across, so [`TimelineSeries`] keeps at most [`MAX_POINTS`] points:
//! when it is full, adjacent points are merged pairwise and every later point covers
//! twice as many rows. Memory stays constant whatever the run length, and building the
//! series costs O(1) amortised per row.
//!
//! How two adjacent points merge (each choice keeps what a reader looks for):
//! - counts (arrivals, errors, fleet events): summed, and charts divide
//!   by the point's duration, so a rate never depends on how much was merged;
//! - p99 latency: the maximum, so a bad minute never disappears from a long chart, and
//!   a sample of the rows' p99s ([`SeriesPoint::p99s`], at most [`P99_SAMPLE`]
//!   values), so that the chart can show their spread honestly (the median and the
//!   90th percentile of the per-interval p99s within each point) rather than only the
//!   maximum, which grows with the number of rows merged;
//! - p50 latency: the mean weighted by completions (a typical value, not a worst one);
//! - mean CPU: the mean weighted by duration;
//! - instance counts and desired capacity: the maximum, the envelope of the fleet,
//!   so a short scale-out stays visible (a stacked maximum can slightly overstate a
//!   moment where two parts peaked at different times);
//! - cumulative costs: the later value, which is the cumulative cost at the point's end;
//! - the scaling metrics: the mean weighted by duration, over the rows that have one.
//!
//! It does not read per-request data: everything comes from [`TimelineRow`]s.

use crate::model::TimelineRow;

/// Points kept at most; a few thousand is more than any chart's width in pixels.
pub const MAX_POINTS: usize = 2048;

/// Per-row p99s kept per point. Up to this many rows per point (a 90-day run at 60 s
/// rows has 64) the sample is every row's p99; beyond, two merged samples keep every
/// other value of their sorted union, which keeps each quantile within 1/64 of its
/// rank.
pub const P99_SAMPLE: usize = 64;
/// One point of the series: one or more consecutive timeline rows merged.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeriesPoint {
    pub start_s: f64,
    pub end_s: f64,
    pub arrivals: u64,
    pub completions: u64,
    pub rejections: u64,
    pub timeouts: u64,
    pub interruptions: u64,
    /// 500s.
    pub failed: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// The p99s of the rows merged into the point (of those with completed requests),
    /// sorted; a sample of at most [`P99_SAMPLE`].
    pub p99s: Vec<f64>,
    pub mean_cpu: f64,
    pub pending_on_demand: u32,
    pub pending_spot: u32,
    pub in_service_on_demand: u32,
    pub in_service_spot: u32,
    pub draining: u32,
    pub unhealthy: u32,
    pub desired: u32,
    /// Capacity forecast by predictive scaling (0 without).
    pub forecast_capacity: u32,
    pub launched: u64,
    pub terminated: u64,
    pub spot_interruptions: u64,
    pub failures: u64,
    pub replaced_unhealthy: u64,
    /// The scaling metrics the policies read ([`TimelineRow::metric_cpu`], ...).
    pub metric_cpu: Option<f64>,
    pub metric_request_count_per_target: Option<f64>,
    pub cost_usd: f64,
    pub cost_on_demand_usd: f64,
    pub cost_spot_usd: f64,
    pub cost_commitments_usd: f64,
    pub cost_warm_pool_usd: f64,
    pub cost_load_balancer_usd: f64,
    /// A burstable group's mean CPU credit balance at the point's end, and the most
    /// instances throttled at a row's end within it.
    pub credit_balance: Option<f64>,
    pub throttled: u32,
    /// A batch tier's jobs (`None` for any other tier).
    pub jobs: Option<JobPoint>,
}

/// A batch tier's jobs and vCPUs over a point: the most of each seen in it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobPoint {
    pub jobs_queued: u64,
    pub jobs_running: u64,
    pub vcpus_queued: u64,
    pub vcpus_running: u64,
    pub vcpus_instances: u64,
}

impl JobPoint {
    fn of(j: &crate::model::JobColumns) -> Self {
        JobPoint {
            jobs_queued: j.jobs_queued,
            jobs_running: j.jobs_running,
            vcpus_queued: j.vcpus_queued,
            vcpus_running: j.vcpus_running,
            vcpus_instances: j.vcpus_instances,
        }
    }

    fn max(&self, other: &JobPoint) -> JobPoint {
        JobPoint {
            jobs_queued: self.jobs_queued.max(other.jobs_queued),
            jobs_running: self.jobs_running.max(other.jobs_running),
            vcpus_queued: self.vcpus_queued.max(other.vcpus_queued),
            vcpus_running: self.vcpus_running.max(other.vcpus_running),
            vcpus_instances: self.vcpus_instances.max(other.vcpus_instances),
        }
    }
}

impl SeriesPoint {
    pub fn from_row(row: &TimelineRow) -> Self {
        SeriesPoint {
            start_s: row.start_s,
            end_s: row.end_s,
            arrivals: row.arrivals,
            completions: row.completions,
            rejections: row.rejections,
            timeouts: row.timeouts,
            interruptions: row.interruptions,
            failed: row.failed,
            p50_ms: row.p50_ms,
            p99_ms: row.p99_ms,
            p99s: match row.completions {
                0 => Vec::new(),
                _ => vec![row.p99_ms],
            },
            mean_cpu: row.mean_cpu,
            pending_on_demand: row.pending_on_demand,
            pending_spot: row.pending_spot,
            in_service_on_demand: row.in_service_on_demand,
            in_service_spot: row.in_service_spot,
            draining: row.draining_on_demand + row.draining_spot,
            unhealthy: row.unhealthy,
            desired: row.desired,
            forecast_capacity: row.forecast_capacity,
            launched: row.launched,
            terminated: row.terminated,
            spot_interruptions: row.spot_interruptions,
            failures: row.failures,
            replaced_unhealthy: row.replaced_unhealthy,
            metric_cpu: row.metric_cpu,
            metric_request_count_per_target: row.metric_request_count_per_target,
            cost_usd: row.cost_usd,
            cost_on_demand_usd: row.cost_on_demand_usd,
            cost_spot_usd: row.cost_spot_usd,
            cost_commitments_usd: row.cost_commitments_usd,
            cost_warm_pool_usd: row.cost_warm_pool_usd,
            cost_load_balancer_usd: row.cost_load_balancer_usd,
            jobs: row.jobs.as_ref().map(JobPoint::of),
            credit_balance: row.credit_balance,
            throttled: row.throttled.unwrap_or(0),
        }
    }

    pub fn duration_s(&self) -> f64 {
        self.end_s - self.start_s
    }

    /// Events per second over the point, from a count.
    pub fn per_second(&self, count: u64) -> f64 {
        let d = self.duration_s();
        if d > 0.0 { count as f64 / d } else { 0.0 }
    }

    /// The `q`-quantile (0 to 1) of the per-row p99s within the point, nearest rank;
    /// `None` when no row had completed requests.
    pub fn p99_quantile(&self, q: f64) -> Option<f64> {
        let n = self.p99s.len();
        (n > 0).then(|| self.p99s[((q * n as f64).ceil() as usize).clamp(1, n) - 1])
    }

    /// `self` followed by `next` as one point (see the module docs for each rule).
    pub fn merge(&self, next: &SeriesPoint) -> SeriesPoint {
        let (da, db) = (self.duration_s(), next.duration_s());
        let weighted = |a: f64, wa: f64, b: f64, wb: f64| {
            if wa + wb > 0.0 {
                (a * wa + b * wb) / (wa + wb)
            } else {
                0.0
            }
        };
        SeriesPoint {
            start_s: self.start_s,
            end_s: next.end_s,
            arrivals: self.arrivals + next.arrivals,
            completions: self.completions + next.completions,
            rejections: self.rejections + next.rejections,
            timeouts: self.timeouts + next.timeouts,
            interruptions: self.interruptions + next.interruptions,
            failed: self.failed + next.failed,
            p50_ms: weighted(
                self.p50_ms,
                self.completions as f64,
                next.p50_ms,
                next.completions as f64,
            ),
            p99_ms: self.p99_ms.max(next.p99_ms),
            p99s: merge_samples(&self.p99s, &next.p99s),
            mean_cpu: weighted(self.mean_cpu, da, next.mean_cpu, db),
            pending_on_demand: self.pending_on_demand.max(next.pending_on_demand),
            pending_spot: self.pending_spot.max(next.pending_spot),
            in_service_on_demand: self.in_service_on_demand.max(next.in_service_on_demand),
            in_service_spot: self.in_service_spot.max(next.in_service_spot),
            draining: self.draining.max(next.draining),
            unhealthy: self.unhealthy.max(next.unhealthy),
            desired: self.desired.max(next.desired),
            forecast_capacity: self.forecast_capacity.max(next.forecast_capacity),
            launched: self.launched + next.launched,
            terminated: self.terminated + next.terminated,
            spot_interruptions: self.spot_interruptions + next.spot_interruptions,
            failures: self.failures + next.failures,
            replaced_unhealthy: self.replaced_unhealthy + next.replaced_unhealthy,
            metric_cpu: merge_metric(self.metric_cpu, da, next.metric_cpu, db),
            metric_request_count_per_target: merge_metric(
                self.metric_request_count_per_target,
                da,
                next.metric_request_count_per_target,
                db,
            ),
            cost_usd: next.cost_usd,
            cost_on_demand_usd: next.cost_on_demand_usd,
            cost_spot_usd: next.cost_spot_usd,
            cost_commitments_usd: next.cost_commitments_usd,
            cost_warm_pool_usd: next.cost_warm_pool_usd,
            cost_load_balancer_usd: next.cost_load_balancer_usd,
            jobs: match (&self.jobs, &next.jobs) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.clone().or_else(|| b.clone()),
            },
            credit_balance: next.credit_balance.or(self.credit_balance),
            throttled: self.throttled.max(next.throttled),
        }
    }
}

/// Two sorted samples as one sorted sample of at most [`P99_SAMPLE`] values: their
/// union, or every other value of it (the second, fourth, ...) when it is too long.
fn merge_samples(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut all: Vec<f64> = a.iter().chain(b).copied().collect();
    all.sort_by(f64::total_cmp);
    if all.len() > P99_SAMPLE {
        all = all.into_iter().skip(1).step_by(2).collect();
    }
    all
}

/// A metric over two spans: the mean weighted by duration when both have one.
fn merge_metric(a: Option<f64>, da: f64, b: Option<f64>, db: f64) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if da + db > 0.0 => Some((a * da + b * db) / (da + db)),
        (a, b) => a.or(b),
    }
}

/// The timeline, downsampled as it streams in; see the module docs.
#[derive(Debug, Default)]
pub struct TimelineSeries {
    points: Vec<SeriesPoint>,
    /// Rows per complete point: 1, then 2, 4, ... after each compaction.
    rows_per_point: u64,
    /// The point being filled and how many rows it holds (< `rows_per_point`).
    partial: Option<(SeriesPoint, u64)>,
}

impl TimelineSeries {
    pub fn new() -> Self {
        TimelineSeries {
            points: Vec::with_capacity(MAX_POINTS),
            rows_per_point: 1,
            partial: None,
        }
    }

    pub fn push(&mut self, row: &TimelineRow) {
        let point = SeriesPoint::from_row(row);
        let (point, rows) = match self.partial.take() {
            None => (point, 1),
            Some((held, rows)) => (held.merge(&point), rows + 1),
        };
        if rows < self.rows_per_point {
            self.partial = Some((point, rows));
            return;
        }
        self.points.push(point);
        if self.points.len() >= MAX_POINTS {
            self.points = self
                .points
                .chunks(2)
                .map(|pair| match pair {
                    [a, b] => a.merge(b),
                    [a] => a.clone(),
                    _ => unreachable!("chunks(2)"),
                })
                .collect();
            self.rows_per_point *= 2;
        }
    }

    /// Every point in time order, the partly filled last one included.
    pub fn points(&self) -> Vec<SeriesPoint> {
        let mut points = self.points.clone();
        points.extend(self.partial.as_ref().map(|(p, _)| p.clone()));
        points
    }

    /// Timeline rows merged into each complete point.
    pub fn rows_per_point(&self) -> u64 {
        self.rows_per_point
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(i: u64) -> TimelineRow {
        TimelineRow {
            start_s: i as f64 * 60.0,
            end_s: (i + 1) as f64 * 60.0,
            arrivals: 60,
            completions: 60,
            p50_ms: 10.0,
            p99_ms: if i == 777 { 5000.0 } else { 100.0 },
            mean_cpu: 40.0,
            in_service_on_demand: if i == 12_345 { 30 } else { 2 },
            cost_usd: i as f64,
            ..TimelineRow::default()
        }
    }

    /// 90 days of minutes stay under the cap; sums, maxima and the last cost survive.
    #[test]
    fn a_long_timeline_stays_bounded_and_keeps_peaks() {
        let mut series = TimelineSeries::new();
        let rows = 90 * 24 * 60u64;
        for i in 0..rows {
            series.push(&row(i));
        }
        let points = series.points();
        assert!(points.len() <= MAX_POINTS, "{} points", points.len());
        assert!(points.len() > MAX_POINTS / 4);
        assert_eq!(points.iter().map(|p| p.arrivals).sum::<u64>(), rows * 60);
        assert_eq!(points[0].start_s, 0.0);
        assert_eq!(points.last().unwrap().end_s, rows as f64 * 60.0);
        assert_eq!(points.last().unwrap().cost_usd, (rows - 1) as f64);
        assert!(points.iter().any(|p| p.p99_ms == 5000.0));
        assert!(points.iter().any(|p| p.in_service_on_demand == 30));
        assert!(points.iter().all(|p| (p.mean_cpu - 40.0).abs() < 1e-9));
        assert!(
            points
                .iter()
                .all(|p| (p.per_second(p.arrivals) - 1.0).abs() < 1e-9)
        );
    }

    /// Issue 17: the spread of the per-minute p99s survives merging. 90 days of
    /// minutes where one minute in ten has a p99 of 1,000 ms and the rest 100 ms:
    /// each point's median of the minutes' p99s is 100 ms and its 90th percentile
    /// between them (nearest rank: 9 of 10 minutes are at 100, so the 90 % rank
    /// falls on the last 100 or the first 1,000 depending on the sample), while the
    /// maximum says 1,000 ms everywhere.
    #[test]
    fn merged_points_keep_the_spread_of_interval_p99s() {
        let mut series = TimelineSeries::new();
        for i in 0..90 * 24 * 60u64 {
            let mut r = row(i);
            r.p99_ms = if i % 10 == 0 { 1000.0 } else { 100.0 };
            series.push(&r);
        }
        let points = series.points();
        assert_eq!(series.rows_per_point(), 64);
        for p in &points[..points.len() - 1] {
            assert!(p.p99s.len() <= P99_SAMPLE);
            assert_eq!(p.p99_ms, 1000.0);
            assert_eq!(p.p99_quantile(0.5), Some(100.0));
            assert_eq!(p.p99_quantile(0.8), Some(100.0));
            assert_eq!(p.p99_quantile(0.99), Some(1000.0));
        }
        assert_eq!(
            merge_samples(&[1.0, 3.0], &[2.0]),
            vec![1.0, 2.0, 3.0],
            "short samples are kept whole"
        );
    }

    #[test]
    fn a_short_timeline_is_kept_row_for_row() {
        let mut series = TimelineSeries::new();
        for i in 0..180 {
            series.push(&row(i));
        }
        assert_eq!(series.points().len(), 180);
        assert_eq!(series.rows_per_point(), 1);
        assert_eq!(series.points()[5], SeriesPoint::from_row(&row(5)));
    }
}
