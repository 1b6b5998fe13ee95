//! The progress bar of a single run: a spinner that ticks with wall time, and a bar and
//! ETA measured in work done (expected arrivals), not simulated time.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use simcloud::model::traffic::RateFunction;
use simcloud::model::{Config, TimelineRow};
use std::time::Duration;

/// How much of a run's work a stretch of simulated time holds: the requests expected
/// to arrive in it (the closed-form integral of the rate, exact for every traffic
/// shape, so a per-second trace moves the bar by its requests replayed) plus one unit
/// per simulated second for
/// the timers that tick without traffic. A month of quiet nights and busy match days
/// then moves the bar as the CPU time goes, where simulated time alone once showed 0 %
/// for 40 s under heavy load and sent the ETA from 18 s to 7 minutes.
pub(super) struct WorkMeter {
    rate: RateFunction,
}

impl WorkMeter {
    pub(super) fn new(config: &Config) -> Self {
        WorkMeter {
            rate: RateFunction::new(&config.traffic),
        }
    }

    /// Work units in `[start_s, end_s)`.
    pub(super) fn between(&self, start_s: f64, end_s: f64) -> f64 {
        let secs = (end_s - start_s).max(0.0);
        let (a, b) = ((start_s * 1e9) as u64, (end_s * 1e9) as u64);
        let arrivals = self.rate.integral(a, b);
        // A rate the loader let through but that is not a number must not stop the bar.
        let arrivals = if arrivals.is_finite() && arrivals > 0.0 {
            arrivals
        } else {
            0.0
        };
        arrivals + secs
    }

    /// Work units of the whole run, summed over the rows the run will report, so that
    /// the rows' shares add up to exactly the total.
    pub(super) fn total(&self, config: &Config) -> f64 {
        let end = config.duration.0 as f64 * 1e-9;
        let step = (config.report.interval.0 as f64 * 1e-9).max(1e-3);
        let mut sum = 0.0;
        let mut t = 0.0;
        while t < end {
            let next = (t + step).min(end);
            sum += self.between(t, next);
            t = next;
        }
        sum
    }
}

/// The progress bar of a single run: a spinner that turns with wall time (so a slow
/// stretch never looks frozen), and a bar and ETA in units of work done.
pub(super) struct RunProgress {
    pub(super) bar: ProgressBar,
    meter: WorkMeter,
    /// Work units of the whole run, and done so far.
    total: f64,
    done: f64,
}

/// The bar's length: positions are shares of the work in millionths.
pub(super) const BAR_STEPS: u64 = 1_000_000;

impl RunProgress {
    pub(super) fn new(config: &Config, hidden: bool) -> Self {
        let meter = WorkMeter::new(config);
        let total = meter.total(config);
        let bar = if hidden {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::with_draw_target(Some(BAR_STEPS), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} simulating {msg} [{bar:30}] {percent}% of the work, eta {eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar.set_message(config.name.clone());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        };
        RunProgress {
            bar,
            meter,
            total,
            done: 0.0,
        }
    }

    pub(super) fn row(&mut self, row: &TimelineRow) {
        self.done += self.meter.between(row.start_s, row.end_s);
        self.bar.set_position(self.position());
    }

    /// The bar position for the work done so far.
    pub(super) fn position(&self) -> u64 {
        if self.total > 0.0 {
            ((self.done / self.total).clamp(0.0, 1.0) * BAR_STEPS as f64) as u64
        } else {
            0
        }
    }
}
